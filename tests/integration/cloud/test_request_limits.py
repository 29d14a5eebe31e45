"""Service limits as AWS enforces them, with AWS's codes and messages, and never retried.

Every client here is plain boto3 with its default retry configuration: a refusal must cost exactly one
request (counted with botocore's own ``before-send`` event), which it only does when the error is a 4xx
that is not a throttling code. Each limit is tested on both sides: at the limit it is accepted.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from squall.cloud import CloudInfo

KIB = 1024
MIB = 1024 * 1024


@dataclass
class Counted:
    """A boto3 client with default retries, and the number of HTTP requests it has sent."""

    client: Any
    sent: int = 0

    def refused(self, call: Callable[[], object]) -> dict[str, Any]:
        """The error response of a call that must fail, after checking it was sent exactly once."""
        before = self.sent
        with pytest.raises(ClientError) as raised:
            call()
        assert self.sent - before == 1, "a refusal must not be retried"
        response: dict[str, Any] = raised.value.response
        assert response["ResponseMetadata"]["RetryAttempts"] == 0
        return response


ClientMaker = Callable[..., Counted]


@pytest.fixture(scope="module")
def default_client(local_cloud: CloudInfo, boto3_session: boto3.Session) -> Iterator[ClientMaker]:
    """``default_client("sqs")``: the session's credentials, boto3's default retry configuration."""

    def make(service: str, **config: Any) -> Counted:
        options = botocore.config.Config(s3={"addressing_style": "path"}, **config)
        client = boto3_session.client(service, endpoint_url=local_cloud.endpoint, config=options)  # type: ignore[call-overload]
        counted = Counted(client)

        def count(**kwargs: Any) -> None:
            counted.sent += 1

        client.meta.events.register("before-send", count)
        return counted

    yield make


def _error(response: dict[str, Any]) -> tuple[int, str, str]:
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


# --- DynamoDB ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dynamodb(default_client: ClientMaker) -> Counted:
    return default_client("dynamodb")


@pytest.fixture(scope="module")
def tables(dynamodb: Counted) -> tuple[str, str]:
    names = (f"limits-{uuid.uuid4().hex[:8]}", f"limits-{uuid.uuid4().hex[:8]}")
    for name in names:
        dynamodb.client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return names


def _puts(count: int, prefix: str = "p") -> list[dict[str, Any]]:
    return [{"PutRequest": {"Item": {"pk": {"S": f"{prefix}{n}"}}}} for n in range(count)]


def test_batch_write_item_takes_at_most_25_requests(dynamodb: Counted, tables: tuple[str, str]) -> None:
    table = tables[0]
    error = dynamodb.refused(lambda: dynamodb.client.batch_write_item(RequestItems={table: _puts(26)}))
    status, code, message = _error(error)
    assert (status, code) == (400, "ValidationException")
    assert message.startswith(
        f"1 validation error detected: Value '{{{table}=[com.amazonaws.dynamodb.v20120810.WriteRequest@"
    )
    assert message.endswith(
        "]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
        "[Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
    )
    assert dynamodb.client.scan(TableName=table, Select="COUNT")["Count"] == 0
    dynamodb.client.batch_write_item(RequestItems={table: _puts(25)})
    assert dynamodb.client.scan(TableName=table, Select="COUNT")["Count"] == 25


def test_batch_get_item_takes_at_most_100_keys(dynamodb: Counted, tables: tuple[str, str]) -> None:
    one, two = tables
    keys = [{"pk": {"S": f"k{n}"}} for n in range(101)]
    error = dynamodb.refused(lambda: dynamodb.client.batch_get_item(RequestItems={one: {"Keys": keys}}))
    status, code, message = _error(error)
    assert (status, code) == (400, "ValidationException")
    assert (
        f"at 'requestItems.{one}.member.keys' failed to satisfy constraint: Member must have length less than or equal to 100"
        in message
    )
    split = {one: {"Keys": keys[:60]}, two: {"Keys": keys[60:]}}
    error = dynamodb.refused(lambda: dynamodb.client.batch_get_item(RequestItems=split))
    assert _error(error) == (400, "ValidationException", "Too many items requested for the BatchGetItem call")
    dynamodb.client.batch_get_item(RequestItems={one: {"Keys": keys[:50]}, two: {"Keys": keys[50:100]}})


def test_transactions_take_up_to_100_items(dynamodb: Counted, tables: tuple[str, str]) -> None:
    table = tables[1]
    puts = [{"Put": {"TableName": table, "Item": {"pk": {"S": f"t{n}"}}}} for n in range(101)]
    error = dynamodb.refused(lambda: dynamodb.client.transact_write_items(TransactItems=puts))
    status, code, message = _error(error)
    assert (status, code) == (400, "ValidationException")
    assert message.endswith(
        "at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"
    )
    dynamodb.client.transact_write_items(TransactItems=puts[:100])
    gets = [{"Get": {"TableName": table, "Key": {"pk": {"S": f"t{n}"}}}} for n in range(101)]
    error = dynamodb.refused(lambda: dynamodb.client.transact_get_items(TransactItems=gets))
    assert _error(error)[:2] == (400, "ValidationException")
    found = dynamodb.client.transact_get_items(TransactItems=gets[:100])["Responses"]
    assert len(found) == 100 and all(r["Item"] for r in found)


def test_items_up_to_400_kb_as_dynamodb_measures_them(dynamodb: Counted, tables: tuple[str, str]) -> None:
    table = tables[0]
    # 400 KB is 409,600 bytes: attribute names and string values count in UTF-8
    fill = 409_600 - len("pk") - len("big") - len("value")
    dynamodb.client.put_item(TableName=table, Item={"pk": {"S": "big"}, "value": {"S": "v" * fill}})
    error = dynamodb.refused(
        lambda: dynamodb.client.put_item(
            TableName=table, Item={"pk": {"S": "big"}, "value": {"S": "v" * (fill + 1)}}
        )
    )
    assert _error(error) == (400, "ValidationException", "Item size has exceeded the maximum allowed size")
    # binary values count decoded, not as their base64 text
    blob = b"\x00" * 380_000
    dynamodb.client.put_item(TableName=table, Item={"pk": {"S": "blob"}, "b": {"B": blob}})
    assert (
        len(dynamodb.client.get_item(TableName=table, Key={"pk": {"S": "blob"}})["Item"]["b"]["B"]) == 380_000
    )
    many = [{"PutRequest": {"Item": {"pk": {"S": "huge"}, "v": {"S": "x" * 410_000}}}}]
    error = dynamodb.refused(lambda: dynamodb.client.batch_write_item(RequestItems={table: many}))
    assert _error(error) == (400, "ValidationException", "Item size has exceeded the maximum allowed size")


def test_key_attribute_sizes(dynamodb: Counted, tables: tuple[str, str]) -> None:
    # enforced by moto already, with AWS's message (no space before the number, as AWS writes it)
    table = tables[1]
    error = dynamodb.refused(
        lambda: dynamodb.client.put_item(TableName=table, Item={"pk": {"S": "k" * 2049}})
    )
    assert _error(error) == (
        400,
        "ValidationException",
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
    )
    dynamodb.client.put_item(TableName=table, Item={"pk": {"S": "k" * 2048}})


def test_attribute_values_as_dynamodb_reads_them(dynamodb: Counted, tables: tuple[str, str]) -> None:
    table = tables[1]
    cases = {
        "A value provided cannot be converted into a number": {"N": "twelve"},
        "Attempting to store more than 38 significant digits in a Number": {"N": "1" * 39},
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes": {
            "S": "a",
            "N": "1",
        },
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes": {},
        "One or more parameter values were invalid: An string set  may not be empty": {"SS": []},
        "One or more parameter values were invalid: Input collection [a, a] contains duplicates.": {
            "SS": ["a", "a"]
        },
    }
    for message, value in cases.items():
        error = dynamodb.refused(
            lambda value=value: dynamodb.client.put_item(
                TableName=table, Item={"pk": {"S": "av"}, "v": value}
            )
        )
        assert _error(error) == (400, "ValidationException", message)
    nested: dict[str, Any] = {"S": "leaf"}
    for _ in range(33):
        nested = {"M": {"n": nested}}
    error = dynamodb.refused(
        lambda: dynamodb.client.put_item(TableName=table, Item={"pk": {"S": "av"}, "v": nested})
    )
    assert _error(error) == (400, "ValidationException", "Nesting Levels have exceeded supported limits")
    dynamodb.client.put_item(TableName=table, Item={"pk": {"S": "av"}, "v": nested["M"]["n"]})  # 32 levels
    assert dynamodb.client.get_item(TableName=table, Key={"pk": {"S": "av"}})["Item"]["v"] == nested["M"]["n"]


def test_values_of_the_wrong_type_through_boto3(default_client: ClientMaker, tables: tuple[str, str]) -> None:
    loose = default_client("dynamodb", parameter_validation=False)
    error = loose.refused(lambda: loose.client.put_item(TableName=tables[0], Item={"pk": {"S": 7}}))
    assert _error(error) == (
        400,
        "SerializationException",
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String",
    )
    error = loose.refused(lambda: loose.client.list_tables(Limit="10"))
    assert _error(error) == (
        400,
        "SerializationException",
        "class java.lang.String can not be converted to an Integer",
    )
    error = loose.refused(lambda: loose.client.list_tables(Limit=0))
    assert _error(error) == (
        400,
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )


# --- SQS --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqs(default_client: ClientMaker) -> Counted:
    return default_client("sqs")


@pytest.fixture(scope="module")
def queue(sqs: Counted) -> str:
    url: str = sqs.client.create_queue(QueueName=f"limits-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    return url


TOO_LONG = "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes."


def test_sqs_messages_up_to_1_mib_with_their_attributes(sqs: Counted, queue: str) -> None:
    sqs.client.send_message(QueueUrl=queue, MessageBody="a" * MIB)
    error = sqs.refused(lambda: sqs.client.send_message(QueueUrl=queue, MessageBody="a" * (MIB + 1)))
    assert _error(error) == (400, "InvalidParameterValue", TOO_LONG)
    attributes = {"k": {"DataType": "String", "StringValue": "x"}}  # 1 + 6 + 1 bytes count too
    sqs.client.send_message(QueueUrl=queue, MessageBody="a" * (MIB - 8), MessageAttributes=attributes)
    error = sqs.refused(
        lambda: sqs.client.send_message(
            QueueUrl=queue, MessageBody="a" * (MIB - 7), MessageAttributes=attributes
        )
    )
    assert _error(error) == (400, "InvalidParameterValue", TOO_LONG)
    # bytes, not characters: "é" is two bytes in UTF-8
    error = sqs.refused(lambda: sqs.client.send_message(QueueUrl=queue, MessageBody="é" * (MIB // 2 + 1)))
    assert _error(error) == (400, "InvalidParameterValue", TOO_LONG)


def test_sqs_batches_up_to_10_entries_and_1_mib(sqs: Counted, queue: str) -> None:
    entries = [{"Id": str(n), "MessageBody": "m"} for n in range(11)]
    error = sqs.refused(lambda: sqs.client.send_message_batch(QueueUrl=queue, Entries=entries))
    assert _error(error) == (
        400,
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        "Maximum number of entries per request are 10. You have sent 11.",
    )
    attributes = {"k": {"DataType": "String", "StringValue": "x"}}
    big = [
        {"Id": "1", "MessageBody": "a" * (MIB - 8), "MessageAttributes": attributes},
        {"Id": "2", "MessageBody": "a"},
    ]
    error = sqs.refused(lambda: sqs.client.send_message_batch(QueueUrl=queue, Entries=big))
    assert _error(error) == (
        400,
        "AWS.SimpleQueueService.BatchRequestTooLong",
        "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.",
    )
    sent = sqs.client.send_message_batch(QueueUrl=queue, Entries=entries[:10])
    assert len(sent["Successful"]) == 10


# --- SNS, SSM, CloudWatch Logs, EventBridge ---------------------------------------------------------


def test_sns_messages_up_to_256_kib_with_their_attributes(default_client: ClientMaker) -> None:
    sns = default_client("sns")
    topic = sns.client.create_topic(Name=f"limits-{uuid.uuid4().hex[:8]}")["TopicArn"]
    attributes = {"attr1": {"DataType": "Number", "StringValue": "1"}}  # 5 + 6 + 1 bytes
    body = "a" * (256 * KIB - 12)
    sns.client.publish(TopicArn=topic, Message=body, MessageAttributes=attributes)
    error = sns.refused(
        lambda: sns.client.publish(TopicArn=topic, Message=body + "a", MessageAttributes=attributes)
    )
    assert _error(error) == (400, "InvalidParameter", "Invalid parameter: Message too long")
    half = 128 * KIB
    batch = [{"Id": "1", "Message": "a" * half}, {"Id": "2", "Message": "b" * (half + 1)}]
    error = sns.refused(lambda: sns.client.publish_batch(TopicArn=topic, PublishBatchRequestEntries=batch))
    assert _error(error) == (
        400,
        "BatchRequestTooLong",
        "The length of all the messages put together is more than the limit.",
    )


def test_ssm_parameter_values_per_tier(default_client: ClientMaker) -> None:
    ssm = default_client("ssm")
    name = f"/limits/{uuid.uuid4().hex[:8]}"
    ssm.client.put_parameter(Name=name, Value="v" * 4096, Type="String")
    error = ssm.refused(
        lambda: ssm.client.put_parameter(Name=name, Value="v" * 4097, Type="String", Overwrite=True)
    )
    status, code, message = _error(error)
    assert (status, code) == (400, "ValidationException")
    assert message.startswith(
        "Standard tier parameters support a maximum parameter value of 4096 characters."
    )
    assert ssm.client.get_parameter(Name=name)["Parameter"]["Value"] == "v" * 4096
    ssm.client.put_parameter(Name=name, Value="v" * 8192, Type="String", Tier="Advanced", Overwrite=True)
    error = ssm.refused(
        lambda: ssm.client.put_parameter(
            Name=name, Value="v" * 8193, Type="String", Tier="Advanced", Overwrite=True
        )
    )
    assert _error(error)[:2] == (400, "ValidationException")


def test_log_batches_up_to_1_mib(default_client: ClientMaker) -> None:
    logs = default_client("logs")
    group, stream = f"/limits/{uuid.uuid4().hex[:8]}", "s"
    logs.client.create_log_group(logGroupName=group)
    logs.client.create_log_stream(logGroupName=group, logStreamName=stream)
    # each event counts its message in UTF-8 plus 26 bytes
    events = [{"timestamp": 1_700_000_000_000 + n, "message": "m" * (100 * KIB - 26)} for n in range(10)]
    events.append({"timestamp": 1_700_000_000_100, "message": "m" * (MIB - 10 * 100 * KIB - 26 + 1)})
    error = logs.refused(
        lambda: logs.client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    )
    assert _error(error) == (
        400,
        "InvalidParameterException",
        "Upload too large: 1048577 bytes exceeds limit of 1048576",
    )
    events[-1]["message"] = str(events[-1]["message"])[:-1]
    logs.client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def test_put_events_takes_at_most_10_entries(default_client: ClientMaker) -> None:
    events = default_client("events")
    entries = [{"Source": "limits", "DetailType": "t", "Detail": json.dumps({"n": n})} for n in range(11)]
    error = events.refused(lambda: events.client.put_events(Entries=entries))
    status, code, message = _error(error)
    assert (status, code) == (400, "ValidationException")
    assert message.startswith(
        "1 validation error detected: Value '[PutEventsRequestEntry(time=null, source=limits, "
    )
    assert message.endswith(
        "at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10"
    )
    assert events.client.put_events(Entries=entries[:10])["FailedEntryCount"] == 0


def test_binary_message_attributes_count_decoded(sqs: Counted, queue: str) -> None:
    # 1 + 6 + 1,000 bytes: the 1,336 base64 characters on the wire count as the 1,000 bytes they encode
    attributes = {"b": {"DataType": "Binary", "BinaryValue": b"\x01" * 1000}}
    sqs.client.send_message(QueueUrl=queue, MessageBody="a" * (MIB - 1007), MessageAttributes=attributes)
    error = sqs.refused(
        lambda: sqs.client.send_message(
            QueueUrl=queue, MessageBody="a" * (MIB - 1006), MessageAttributes=attributes
        )
    )
    assert _error(error) == (400, "InvalidParameterValue", TOO_LONG)


def test_sqs_queue_attributes_that_do_not_read(sqs: Counted, queue: str) -> None:
    error = sqs.refused(
        lambda: sqs.client.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "soon"})
    )
    assert _error(error) == (
        400,
        "InvalidAttributeValue",
        "Invalid value for the parameter VisibilityTimeout.",
    )
    error = sqs.refused(
        lambda: sqs.client.set_queue_attributes(QueueUrl=queue, Attributes={"RedrivePolicy": "{"})
    )
    assert _error(error)[:2] == (400, "InvalidAttributeValue")
    sqs.client.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "45"})
    found = sqs.client.get_queue_attributes(QueueUrl=queue, AttributeNames=["VisibilityTimeout"])
    assert found["Attributes"]["VisibilityTimeout"] == "45"


def test_s3_keys_up_to_1024_bytes_and_metadata_up_to_2_kb(default_client: ClientMaker) -> None:
    s3 = default_client("s3")
    bucket = f"limits-{uuid.uuid4().hex[:8]}"
    s3.client.create_bucket(Bucket=bucket)
    s3.client.put_object(Bucket=bucket, Key="k" * 1024, Body=b"x")
    error = s3.refused(lambda: s3.client.put_object(Bucket=bucket, Key="é" * 513, Body=b"x"))  # 1,026 bytes
    assert _error(error) == (400, "KeyTooLongError", "Your key is too long")
    s3.client.put_object(Bucket=bucket, Key="meta", Body=b"x", Metadata={"a": "v" * 2047})
    error = s3.refused(
        lambda: s3.client.put_object(Bucket=bucket, Key="meta2", Body=b"x", Metadata={"a": "v" * 2048})
    )
    assert _error(error) == (
        400,
        "MetadataTooLarge",
        "Your metadata headers exceed the maximum allowed metadata size",
    )
    keys = [o["Key"] for o in s3.client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(keys) == sorted(["k" * 1024, "meta"])
