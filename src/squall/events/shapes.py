"""The events Lambda receives from each source, field by field as AWS documents them.

Pure functions from plain data (what moto or an SQS ``ReceiveMessage`` answer holds) to the JSON a
handler sees, so they are tested without a cloud. The samples they follow are in the Lambda
developer guide: "Using Lambda with Amazon SQS / S3 / SNS / DynamoDB" and EventBridge's
"Scheduled Event".
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

ACCOUNT_ID = "123456789012"
SENDER_ID = "AIDAIENQZJOLO23YVJ4VO"
OWNER_ID = "A3I5XTEXAMAI3E"
PRINCIPAL_ID = "AWS:AIDAINPONIXQXHT3IKHL2"
SOURCE_IP = "127.0.0.1"

JSON = dict[str, Any]


def iso_millis(at: datetime) -> str:
    """``2019-09-03T19:37:27.192Z`` (UTC), as S3 and SNS write times."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


# -- SQS ------------------------------------------------------------------------------------------


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> JSON:
    """One ``Records[]`` entry from a message of a JSON-protocol ``ReceiveMessage`` answer."""
    attributes = message.get("Attributes", {})
    wanted = ["ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"]
    if queue_arn.endswith(".fifo"):
        wanted += ["SequenceNumber", "MessageGroupId", "MessageDeduplicationId"]
    shaped = {name: str(attributes[name]) for name in wanted if attributes.get(name) is not None}
    shaped.setdefault("SenderId", SENDER_ID)
    if "AWSTraceHeader" in attributes:
        shaped["AWSTraceHeader"] = str(attributes["AWSTraceHeader"])
    body = str(message.get("Body", ""))
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": shaped,
        "messageAttributes": {
            name: sqs_message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_message_attribute(value: Mapping[str, Any]) -> JSON:
    """``{StringValue|BinaryValue, DataType}`` → Lambda's lower-camel form with the list fields."""
    shaped: JSON = {}
    if "StringValue" in value:
        shaped["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        binary = value["BinaryValue"]
        shaped["binaryValue"] = binary if isinstance(binary, str) else base64.b64encode(binary).decode()
    shaped["stringListValues"] = list(value.get("StringListValues", []))
    shaped["binaryListValues"] = list(value.get("BinaryListValues", []))
    shaped["dataType"] = value.get("DataType", "String")
    return shaped


# -- S3 -------------------------------------------------------------------------------------------


def s3_record(
    *,
    event_name: str,
    bucket: str,
    bucket_arn: str,
    region: str,
    key: str,
    size: int | None,
    etag: str | None,
    sequencer: str,
    configuration_id: str,
    event_time: datetime,
    version_id: str | None = None,
) -> JSON:
    """One ``Records[]`` entry; ``event_name`` without the ``s3:`` prefix (``ObjectCreated:Put``).

    ObjectRemoved events carry no size or eTag, as on AWS.
    """
    obj: JSON = {"key": quote_plus(key, safe="/")}
    if not event_name.startswith("ObjectRemoved"):
        obj["size"] = size or 0
        obj["eTag"] = (etag or "").strip('"')
    if version_id and version_id != "null":
        obj["versionId"] = version_id
    obj["sequencer"] = sequencer
    request_id = uuid.uuid4().hex[:16].upper()
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_millis(event_time),
        "eventName": event_name,
        "userIdentity": {"principalId": PRINCIPAL_ID},
        "requestParameters": {"sourceIPAddress": SOURCE_IP},
        "responseElements": {
            "x-amz-request-id": request_id,
            "x-amz-id-2": base64.b64encode(hashlib.sha256(request_id.encode()).digest()).decode(),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": OWNER_ID}, "arn": bucket_arn},
            "object": obj,
        },
    }


# -- SNS ------------------------------------------------------------------------------------------


def sns_record(
    *,
    subscription_arn: str,
    topic_arn: str,
    message_id: str,
    message: str,
    subject: str | None,
    attributes: Mapping[str, Mapping[str, Any]] | None,
    timestamp: datetime,
) -> JSON:
    """One ``Records[]`` entry for a ``lambda`` subscription (attributes as ``{Type, Value}``)."""
    region = topic_arn.split(":")[3]
    signed = f"Message\n{message}\nMessageId\n{message_id}\nTimestamp\n{iso_millis(timestamp)}\n"
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": iso_millis(timestamp),
            "Signature": base64.b64encode(hashlib.sha256(signed.encode()).digest()).decode(),
            "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-"
            f"{hashlib.md5(region.encode()).hexdigest()}.pem",
            "MessageId": message_id,
            "Message": message,
            "MessageAttributes": {
                name: {"Type": value.get("Type", "String"), "Value": value.get("Value")}
                for name, value in (attributes or {}).items()
            },
            "Type": "Notification",
            "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
            f"&SubscriptionArn={subscription_arn}",
            "TopicArn": topic_arn,
            "Subject": subject,
        },
    }


# -- DynamoDB streams -----------------------------------------------------------------------------


def dynamodb_record(record: Mapping[str, Any], stream_arn: str, region: str) -> JSON:
    """One ``Records[]`` entry from a moto stream record (``GetRecords`` form)."""
    source = record["dynamodb"]
    created = source.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        aware = created if created.tzinfo is not None else created.replace(tzinfo=UTC)
        created = int(aware.timestamp())
    dynamodb: JSON = {"ApproximateCreationDateTime": created, "Keys": source.get("Keys", {})}
    for image in ("NewImage", "OldImage"):
        if image in source:
            dynamodb[image] = source[image]
    dynamodb["SequenceNumber"] = str(source["SequenceNumber"])
    dynamodb["SizeBytes"] = source.get("SizeBytes", 0)
    dynamodb["StreamViewType"] = source.get("StreamViewType")
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


# -- EventBridge schedules ------------------------------------------------------------------------


def scheduled_event(rule_arn: str, at: datetime, event_id: str | None = None) -> JSON:
    """What a schedule rule sends its targets; ``time`` is the scheduled instant (whole seconds)."""
    region, account = rule_arn.split(":")[3], rule_arn.split(":")[4]
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }
