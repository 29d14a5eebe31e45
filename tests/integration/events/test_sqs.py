"""SQS → Lambda delivery semantics: nothing lost, partial failures, whole-batch failures, DLQ, FIFO."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.conftest import ClientFactory
from tests.integration.events.conftest import RecorderFactory, wait_until

FLAKY_CONSUMER = """
import json, os, random
import boto3

table = boto3.resource("dynamodb").Table(os.environ["RESULTS_TABLE"])


def handler(event, context):
    failures, done = [], []
    for record in event["Records"]:
        if random.random() < 0.1:
            failures.append({"itemIdentifier": record["messageId"]})
        else:
            done.append(record["body"])
    with table.batch_writer() as batch:
        for body in done:
            batch.put_item(Item={"run": os.environ["RUN"], "id": body, "at": "0", "event": "{}"})
    return {"batchItemFailures": failures}
"""

BATCH_RECORDER = """
import json, os, time, uuid
import boto3

table = boto3.resource("dynamodb").Table(os.environ["RESULTS_TABLE"])


def handler(event, context):
    started = time.time()
    time.sleep(float(os.environ.get("PAUSE", "0")))
    table.put_item(Item={
        "run": os.environ["RUN"],
        "id": uuid.uuid4().hex,
        "at": str(started),
        "event": json.dumps({"records": event["Records"], "ended": time.time()}),
    })
    if any(record["body"] == "bad" for record in event["Records"]):
        raise RuntimeError("a bad message")
"""


def make_queue(aws_client: ClientFactory, name: str, **attributes: str) -> tuple[str, str]:
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(aws_client: ClientFactory, url: str) -> list[dict[str, Any]]:
    """Every message now in the queue (received with a long visibility timeout)."""
    sqs = aws_client("sqs")
    found: list[dict[str, Any]] = []
    while True:
        page = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300, AttributeNames=["All"]
        ).get("Messages", [])
        if not page:
            return found
        found += page


def queue_counts(aws_client: ClientFactory, url: str) -> tuple[int, int]:
    attributes = aws_client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


@pytest.mark.timeout(180)
def test_no_message_is_lost_with_random_partial_failures(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    total = 5000
    dlq_url, dlq_arn = make_queue(aws_client, unique_name("noloss-dlq"))
    url, arn = make_queue(
        aws_client,
        unique_name("noloss"),
        VisibilityTimeout="5",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
    )
    rec = recorder(FLAKY_CONSUMER)
    aws_client("lambda").create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=rec.arn,
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    sqs = aws_client("sqs")
    bodies = [f"m{i:05d}" for i in range(total)]
    for start in range(0, total, 10):
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])]
        assert not sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")

    def settled() -> bool:
        return (
            queue_counts(aws_client, url) == (0, 0)
            and len(_ids(rec)) + queue_counts(aws_client, dlq_url)[0] >= total
        )

    wait_until(settled, 150, interval=0.5, what="every message processed or dead-lettered")
    succeeded = set(_ids(rec))
    dead = [m["Body"] for m in drain(aws_client, dlq_url)]
    assert len(dead) == len(set(dead))
    assert succeeded.isdisjoint(dead)
    assert succeeded | set(dead) == set(bodies)
    assert len(succeeded) + len(dead) == total
    # 10% failures over 2 receives: about 1 in 100 messages is dead-lettered, the rest succeed
    assert 0 < len(dead) < total * 0.05


def _ids(rec: Any) -> list[str]:
    items: list[str] = []
    kwargs: dict[str, Any] = {
        "TableName": rec.table,
        "KeyConditionExpression": "#r = :r",
        "ExpressionAttributeNames": {"#r": "run"},
        "ExpressionAttributeValues": {":r": {"S": rec.run}},
    }
    while True:
        page = rec.dynamodb.query(**kwargs)
        items += [item["id"]["S"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def test_function_error_fails_whole_batch_until_dlq(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    dlq_url, dlq_arn = make_queue(aws_client, unique_name("batch-dlq"))
    url, arn = make_queue(
        aws_client,
        unique_name("batch"),
        VisibilityTimeout="3",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
    )
    sqs = aws_client("sqs")
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(["a", "bad", "b"])],
    )
    rec = recorder(BATCH_RECORDER)
    aws_client("lambda").create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=rec.arn,
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    dead = wait_until(
        lambda: found if len(found := drain(aws_client, dlq_url)) == 3 else None, 30, what="3 dead letters"
    )
    assert sorted(m["Body"] for m in dead) == ["a", "b", "bad"]
    invocations = [event["records"] for _, event in rec.events()]
    assert len(invocations) == 2
    assert [sorted(r["body"] for r in batch) for batch in invocations] == [["a", "b", "bad"]] * 2
    assert [batch[0]["attributes"]["ApproximateReceiveCount"] for batch in invocations] == ["1", "2"]
    assert queue_counts(aws_client, url) == (0, 0)


def test_fifo_groups_are_delivered_in_order_one_batch_at_a_time(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    url, arn = make_queue(
        aws_client, unique_name("ordered") + ".fifo", FifoQueue="true", VisibilityTimeout="30"
    )
    sqs = aws_client("sqs")
    groups = ["g1", "g2", "g3"]
    for index in range(15):
        for group in groups:
            sqs.send_message(
                QueueUrl=url,
                MessageBody=f"{group}-{index:02d}",
                MessageGroupId=group,
                MessageDeduplicationId=f"{group}-{index}",
            )
    rec = recorder(BATCH_RECORDER, {"PAUSE": "0.02"})
    aws_client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=rec.arn, BatchSize=4)
    wait_until(
        lambda: sum(len(event["records"]) for _, event in rec.events()) >= 45, 60, what="45 FIFO messages"
    )
    for group in groups:
        spans = []
        delivered = []
        for started, event in rec.events():
            mine = [r["body"] for r in event["records"] if r["attributes"]["MessageGroupId"] == group]
            if mine:
                spans.append((started, event["ended"]))
                delivered += mine
        assert delivered == [f"{group}-{i:02d}" for i in range(15)]
        spans.sort()
        assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(spans))


def test_batching_window_gathers_a_fuller_batch(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    url, arn = make_queue(aws_client, unique_name("window"))
    rec = recorder(BATCH_RECORDER)
    aws_client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName=rec.arn, BatchSize=30, MaximumBatchingWindowInSeconds=3
    )
    sqs = aws_client("sqs")
    for start in range(0, 30, 10):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"w{start + i}"} for i in range(10)]
        )
    wait_until(lambda: sum(len(e["records"]) for _, e in rec.events()) >= 30, 30, what="30 messages")
    sizes = [len(event["records"]) for _, event in rec.events()]
    assert max(sizes) > 10


def test_disabled_mapping_delivers_nothing_until_enabled(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    url, arn = make_queue(aws_client, unique_name("disabled"))
    rec = recorder()
    lam = aws_client("lambda")
    mapping = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=rec.arn, Enabled=False)
    aws_client("sqs").send_message(QueueUrl=url, MessageBody="waiting")
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        assert queue_counts(aws_client, url) == (1, 0), "a disabled mapping received the message"
        time.sleep(0.1)
    enabled_at = time.time()
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    [(started, event)] = rec.wait_for(1)
    assert started >= enabled_at
    assert event["Records"][0]["body"] == "waiting"
    lam.delete_event_source_mapping(UUID=mapping["UUID"])
    aws_client("sqs").send_message(QueueUrl=url, MessageBody="after delete")
    wait_until(lambda: queue_counts(aws_client, url) == (1, 0), 10, what="the message to stay queued")
