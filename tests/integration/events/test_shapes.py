"""Every event source delivers AWS's event shape: the handler stores what it got, compared here."""

from __future__ import annotations

import calendar
import json
import re
import time
from collections.abc import Callable
from typing import Any

from tests.integration.conftest import ClientFactory
from tests.integration.events.conftest import RecorderFactory, wait_until

ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def queue(aws_client: ClientFactory, name: str, **attributes: str) -> tuple[str, str]:
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def test_sqs_event_shape(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    url, arn = queue(aws_client, unique_name("shape"))
    rec = recorder()
    aws_client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=rec.arn, BatchSize=5)
    sent = aws_client("sqs").send_message(
        QueueUrl=url,
        MessageBody="hello",
        MessageAttributes={
            "color": {"DataType": "String", "StringValue": "blue"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    [(_, event)] = rec.wait_for(1)
    [record] = event["Records"]
    assert list(record) == [
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    ]
    assert record["messageId"] == sent["MessageId"]
    assert record["body"] == "hello"
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == arn
    assert record["awsRegion"] == "us-east-1"
    assert set(record["attributes"]) == {
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    }
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["attributes"]["SentTimestamp"].isdigit()
    assert record["messageAttributes"] == {
        "color": {
            "stringValue": "blue",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        },
        "blob": {"binaryValue": "AAE=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"},
    }


def test_sqs_fifo_event_has_group_and_sequence(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    url, arn = queue(aws_client, unique_name("shape") + ".fifo", FifoQueue="true")
    rec = recorder()
    aws_client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=rec.arn, BatchSize=5)
    aws_client("sqs").send_message(
        QueueUrl=url, MessageBody="x", MessageGroupId="g1", MessageDeduplicationId="d1"
    )
    [(_, event)] = rec.wait_for(1)
    attributes = event["Records"][0]["attributes"]
    assert attributes["MessageGroupId"] == "g1"
    assert attributes["MessageDeduplicationId"] == "d1"
    assert attributes["SequenceNumber"].isdigit()


def test_s3_event_shape(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    s3 = aws_client("s3")
    bucket = unique_name("shape-bucket")
    s3.create_bucket(Bucket=bucket)
    rec = recorder()
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "Id": "uploads",
                    "LambdaFunctionArn": rec.arn,
                    "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": "in/"},
                                {"Name": "suffix", "Value": ".txt"},
                            ]
                        }
                    },
                }
            ]
        },
    )
    put = s3.put_object(Bucket=bucket, Key="in/red flower.txt", Body=b"12345")
    s3.put_object(Bucket=bucket, Key="out/skipped.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="in/skipped.png", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="in/red flower.txt")
    s3.put_object(Bucket=bucket, Key="in/last.txt", Body=b"x")
    events = [event["Records"][0] for _, event in rec.wait_for(3)]
    assert sorted(r["s3"]["object"]["key"] for r in events) == [
        "in/last.txt",
        "in/red+flower.txt",
        "in/red+flower.txt",
    ]
    created = next(
        r for r in events if r["eventName"] == "ObjectCreated:Put" and "flower" in r["s3"]["object"]["key"]
    )
    removed = next(r for r in events if r["eventName"] == "ObjectRemoved:Delete")
    assert list(created) == [
        "eventVersion",
        "eventSource",
        "awsRegion",
        "eventTime",
        "eventName",
        "userIdentity",
        "requestParameters",
        "responseElements",
        "s3",
    ]
    assert created["eventVersion"] == "2.1"
    assert created["eventSource"] == "aws:s3"
    assert created["awsRegion"] == "us-east-1"
    assert ISO_MILLIS.match(created["eventTime"])
    assert set(created["userIdentity"]) == {"principalId"}
    assert set(created["requestParameters"]) == {"sourceIPAddress"}
    assert set(created["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    s3_part = created["s3"]
    assert s3_part["s3SchemaVersion"] == "1.0"
    assert s3_part["configurationId"] == "uploads"
    assert s3_part["bucket"] == {
        "name": bucket,
        "ownerIdentity": {"principalId": s3_part["bucket"]["ownerIdentity"]["principalId"]},
        "arn": f"arn:aws:s3:::{bucket}",
    }
    assert s3_part["object"]["key"] == "in/red+flower.txt"
    assert s3_part["object"]["size"] == 5
    assert s3_part["object"]["eTag"] == put["ETag"].strip('"')
    assert re.fullmatch(r"[0-9A-F]+", s3_part["object"]["sequencer"])
    assert set(removed["s3"]["object"]) == {"key", "sequencer"}
    assert removed["s3"]["object"]["sequencer"] > s3_part["object"]["sequencer"]


def test_sns_lambda_event_shape_and_filter_policy(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    sns = aws_client("sns")
    topic = sns.create_topic(Name=unique_name("shape-topic"))["TopicArn"]
    rec = recorder()
    subscription = sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=rec.arn,
        Attributes={"FilterPolicy": json.dumps({"color": ["blue"]})},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    sns.publish(
        TopicArn=topic,
        Message="not for me",
        MessageAttributes={"color": {"DataType": "String", "StringValue": "red"}},
    )
    published = sns.publish(
        TopicArn=topic,
        Message="hello",
        Subject="greeting",
        MessageAttributes={"color": {"DataType": "String", "StringValue": "blue"}},
    )
    [(_, event)] = rec.wait_for(1)
    [record] = event["Records"]
    assert list(record) == ["EventVersion", "EventSubscriptionArn", "EventSource", "Sns"]
    assert record["EventVersion"] == "1.0"
    assert record["EventSource"] == "aws:sns"
    assert record["EventSubscriptionArn"] == subscription
    message = record["Sns"]
    assert set(message) == {
        "Type",
        "MessageId",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertUrl",
        "UnsubscribeUrl",
        "MessageAttributes",
    }
    assert message["Type"] == "Notification"
    assert message["MessageId"] == published["MessageId"]
    assert message["TopicArn"] == topic
    assert message["Subject"] == "greeting"
    assert message["Message"] == "hello"
    assert ISO_MILLIS.match(message["Timestamp"])
    assert message["SignatureVersion"] == "1"
    assert message["SigningCertUrl"].startswith("https://sns.us-east-1.amazonaws.com/")
    assert subscription in message["UnsubscribeUrl"]
    assert message["MessageAttributes"] == {"color": {"Type": "String", "Value": "blue"}}
    assert len(rec.events()) == 1


def test_sns_to_sqs_raw_and_wrapped(aws_client: ClientFactory, unique_name: Callable[[str], str]) -> None:
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic = sns.create_topic(Name=unique_name("fanout"))["TopicArn"]
    raw_url, raw_arn = queue(aws_client, unique_name("raw"))
    wrapped_url, wrapped_arn = queue(aws_client, unique_name("wrapped"))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn, Attributes={"RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=wrapped_arn)
    sns.publish(TopicArn=topic, Message="payload")
    raw = sqs.receive_message(QueueUrl=raw_url, WaitTimeSeconds=5)["Messages"][0]
    wrapped = sqs.receive_message(QueueUrl=wrapped_url, WaitTimeSeconds=5)["Messages"][0]
    assert raw["Body"] == "payload"
    body = json.loads(wrapped["Body"])
    assert body["Type"] == "Notification"
    assert body["Message"] == "payload"
    assert body["TopicArn"] == topic


def test_dynamodb_stream_event_shape(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    ddb = aws_client("dynamodb")
    name = unique_name("shape-table")
    table = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    stream_arn = table["LatestStreamArn"]
    rec = recorder()
    aws_client("lambda").create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=rec.arn, StartingPosition="LATEST", BatchSize=10
    )
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "2"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}})

    def delivered() -> list[dict[str, Any]]:
        return [record for _, event in rec.events() for record in event["Records"]]

    records = wait_until(
        lambda: found if len(found := delivered()) >= 3 else None, 30, what="3 stream records"
    )
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    first = records[0]
    assert list(first) == [
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    ]
    assert first["eventVersion"] == "1.1"
    assert first["eventSource"] == "aws:dynamodb"
    assert first["awsRegion"] == "us-east-1"
    assert first["eventSourceARN"] == stream_arn
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int | float)
    assert first["dynamodb"]["Keys"] == {"pk": {"S": "a"}}
    assert first["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "n": {"N": "1"}}
    assert "OldImage" not in first["dynamodb"]
    assert first["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(first["dynamodb"]["SizeBytes"], int)
    assert records[1]["dynamodb"]["OldImage"]["n"] == {"N": "1"}
    assert records[1]["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    assert "NewImage" not in records[2]["dynamodb"]
    sequences = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequences == sorted(sequences)


def test_scheduled_event_shape(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    events = aws_client("events")
    rec = recorder()
    name = unique_name("every-minute")
    rule_arn = events.put_rule(Name=name, ScheduleExpression="cron(* * * * ? *)")["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "job", "Arn": rec.arn}])
    [(started, event)] = rec.wait_for(1, timeout=75)
    events.disable_rule(Name=name)
    assert list(event) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert event["version"] == "0"
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["account"] == "123456789012"
    assert event["region"] == "us-east-1"
    assert event["resources"] == [rule_arn]
    assert event["detail"] == {}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", event["time"])
    scheduled = calendar.timegm(time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(started - scheduled) < 1.0
