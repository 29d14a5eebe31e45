"""DynamoDB streams → Lambda: every record once, in order, retried until the function succeeds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.conftest import ClientFactory
from tests.integration.events.conftest import RecorderFactory, wait_until

FAILING_AT_FIRST = """
import json, os, time, uuid
import boto3
from boto3.dynamodb.conditions import Key

table = boto3.resource("dynamodb").Table(os.environ["RESULTS_TABLE"])


def handler(event, context):
    # the first FAILURES attempts fail, however long the machine takes to reach them
    earlier = table.query(KeyConditionExpression=Key("run").eq(os.environ["RUN"]))["Items"]
    failing = sum(json.loads(item["event"])["failed"] for item in earlier) < int(os.environ["FAILURES"])
    table.put_item(Item={
        "run": os.environ["RUN"],
        "id": uuid.uuid4().hex,
        "at": str(time.time()),
        "event": json.dumps({
            "failed": failing,
            "keys": [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]],
            "sequences": [r["dynamodb"]["SequenceNumber"] for r in event["Records"]],
        }),
    })
    if failing:
        raise RuntimeError("not yet")
"""


def make_table(aws_client: ClientFactory, name: str, view: str) -> str:
    table = aws_client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )["TableDescription"]
    return str(table["LatestStreamArn"])


def test_records_arrive_in_order_and_failed_batches_are_retried(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    ddb = aws_client("dynamodb")
    name = unique_name("ordered-stream")
    stream = make_table(aws_client, name, "KEYS_ONLY")
    for i in range(10):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i:02d}"}})
    rec = recorder(FAILING_AT_FIRST, {"FAILURES": "2"})
    aws_client("lambda").create_event_source_mapping(
        EventSourceArn=stream, FunctionName=rec.arn, StartingPosition="TRIM_HORIZON", BatchSize=4
    )
    for i in range(10, 20):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i:02d}"}})

    def succeeded() -> list[dict[str, Any]]:
        return [event for _, event in rec.events() if not event["failed"]]

    wait_until(lambda: sum(len(e["keys"]) for e in succeeded()) >= 20, 60, what="20 stream records")
    attempts = [event for _, event in rec.events()]
    assert any(event["failed"] for event in attempts)
    delivered = [key for event in succeeded() for key in event["keys"]]
    assert delivered == [f"k{i:02d}" for i in range(20)]
    assert all(len(event["keys"]) <= 4 for event in attempts)
    first_success = succeeded()[0]
    assert next(e["keys"] for e in attempts if e["failed"]) == first_success["keys"]
    sequences = [int(s) for event in succeeded() for s in event["sequences"]]
    assert sequences == sorted(sequences)


def test_latest_skips_what_was_written_before_the_mapping(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    ddb = aws_client("dynamodb")
    name = unique_name("latest-stream")
    stream = make_table(aws_client, name, "NEW_IMAGE")
    ddb.put_item(TableName=name, Item={"pk": {"S": "before"}})
    rec = recorder()
    aws_client("lambda").create_event_source_mapping(
        EventSourceArn=stream, FunctionName=rec.arn, StartingPosition="LATEST", BatchSize=10
    )
    ddb.put_item(TableName=name, Item={"pk": {"S": "after"}})
    [(_, event)] = rec.wait_for(1)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]] == ["after"]
    assert event["Records"][0]["dynamodb"]["NewImage"] == {"pk": {"S": "after"}}
    assert "OldImage" not in event["Records"][0]["dynamodb"]
