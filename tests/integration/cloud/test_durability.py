"""Acknowledged changes survive ``kill -9``; torn journal tails are cut and reported; storage stays bounded."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from squall.cloud import journal, snapshot
from squall.cloud.info import CloudInfo, CloudPaths
from tests.integration.cloud.conftest import Daemons
from tests.integration.conftest import ClientFactory
from tests.polling import eventually as _wait_for

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def _write_everything(c: ClientFactory, items: int = 40) -> dict[str, Any]:
    """One of each kind of state, including deletions and a received+deleted SQS message."""
    ddb, s3, sqs = c("dynamodb"), c("s3"), c("sqs")
    ddb.create_table(
        TableName="durable",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(items):
        ddb.put_item(TableName="durable", Item={"pk": {"S": f"k{i}"}, "v": {"N": str(i)}})
    for i in range(0, items, 10):
        ddb.delete_item(TableName="durable", Key={"pk": {"S": f"k{i}"}})

    s3.create_bucket(Bucket="durable-bucket")
    for i in range(10):
        s3.put_object(Bucket="durable-bucket", Key=f"obj/{i}", Body=f"body-{i}".encode() * 100)
    s3.delete_object(Bucket="durable-bucket", Key="obj/0")

    url = sqs.create_queue(QueueName="durable-queue")["QueueUrl"]
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    # received but not deleted: must come back once its visibility timeout ends
    inflight = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=1)["Messages"][0]

    iam = c("iam")
    role = iam.create_role(RoleName="durable-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    iam.create_policy(PolicyName="durable-policy", PolicyDocument=json.dumps(POLICY))
    c("lambda").create_function(
        FunctionName="durable-fn",
        Runtime="python3.11",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": _zip()},
    )
    api = c("apigatewayv2").create_api(Name="durable-api", ProtocolType="HTTP")["ApiId"]
    c("events").put_rule(Name="durable-rule", ScheduleExpression="rate(1 hour)")
    c("ssm").put_parameter(Name="/durable/p", Value="kept", Type="String")
    logs = c("logs")
    logs.create_log_group(logGroupName="/durable")
    logs.create_log_stream(logGroupName="/durable", logStreamName="s")
    logs.put_log_events(
        logGroupName="/durable",
        logStreamName="s",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "m"}],
    )
    return {"deleted_body": first["Body"], "inflight_body": inflight["Body"], "api": api, "url": url}


def _check_everything(c: ClientFactory, written: dict[str, Any], items: int = 40) -> None:
    ddb = c("dynamodb")
    keys = {i["pk"]["S"] for i in ddb.scan(TableName="durable")["Items"]}
    assert keys == {f"k{i}" for i in range(items) if i % 10}

    s3 = c("s3")
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket="durable-bucket")["Contents"]}
    assert listed == {f"obj/{i}" for i in range(1, 10)}
    assert s3.get_object(Bucket="durable-bucket", Key="obj/3")["Body"].read() == b"body-3" * 100

    sqs = c("sqs")
    bodies: list[str] = []
    deadline = time.monotonic() + 15
    while len(bodies) < 4 and time.monotonic() < deadline:
        reply = sqs.receive_message(QueueUrl=written["url"], MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in reply.get("Messages", []):
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=written["url"], ReceiptHandle=message["ReceiptHandle"])
    assert sorted(bodies) == sorted({"m0", "m1", "m2", "m3", "m4"} - {written["deleted_body"]})
    assert written["inflight_body"] in bodies

    assert c("iam").get_role(RoleName="durable-role")["Role"]["RoleName"] == "durable-role"
    assert "durable-policy" in [p["PolicyName"] for p in c("iam").list_policies(Scope="Local")["Policies"]]
    function = c("lambda").get_function(FunctionName="durable-fn")["Configuration"]
    assert function["CodeSize"] == len(_zip())
    assert c("apigatewayv2").get_api(ApiId=written["api"])["Name"] == "durable-api"
    assert c("events").describe_rule(Name="durable-rule")["ScheduleExpression"] == "rate(1 hour)"
    assert c("ssm").get_parameter(Name="/durable/p")["Parameter"]["Value"] == "kept"
    events = c("logs").get_log_events(logGroupName="/durable", logStreamName="s", startFromHead=True)[
        "events"
    ]
    assert [e["message"] for e in events] == ["m"]


def test_everything_survives_kill_9(daemons: Daemons) -> None:
    home = daemons.home()
    info = daemons.start(home)
    written = _write_everything(daemons.clients(info))
    daemons.kill9(info)

    again = daemons.start(home)
    assert again.pid != info.pid
    _check_everything(daemons.clients(again), written)


def test_survives_kill_9_across_compactions(daemons: Daemons, small_journal: Callable[[int], None]) -> None:
    small_journal(15)
    home = daemons.home()
    info = daemons.start(home)
    written = _write_everything(daemons.clients(info), items=120)
    state = CloudPaths.under(home).state
    _wait_for(lambda: bool(snapshot.listing(state)))
    daemons.kill9(info)
    assert len(journal.segments(state)) <= 4, "compaction keeps the journal bounded"
    # two are kept; a kill between a new snapshot's rename and the retiring of the oldest leaves three
    assert len(snapshot.listing(state)) <= 3

    again = daemons.start(home)
    _check_everything(daemons.clients(again), written, items=120)


def test_clean_stop_and_restart_keeps_state(daemons: Daemons) -> None:
    from squall import cloud

    home = daemons.home()
    info = daemons.start(home)
    written = _write_everything(daemons.clients(info))
    assert cloud.stop(home)
    assert cloud.status(home) is None
    _check_everything(daemons.clients(daemons.start(home)), written)


def _last_segment(info: CloudInfo) -> Any:
    return journal.segments(info.data / "state")[-1][1]


def test_torn_last_record_is_cut_with_a_note(daemons: Daemons) -> None:
    home = daemons.home()
    info = daemons.start(home)
    c = daemons.clients(info)
    c("s3").create_bucket(Bucket="torn-bucket")
    for i in range(3):
        c("s3").put_object(Bucket="torn-bucket", Key=f"k{i}", Body=b"x" * 1000)
    daemons.kill9(info)

    segment = _last_segment(info)
    data = segment.read_bytes()
    segment.write_bytes(data[:-500])  # the daemon died inside the write of the last PutObject

    again = daemons.start(home)
    keys = [o["Key"] for o in daemons.clients(again)("s3").list_objects_v2(Bucket="torn-bucket")["Contents"]]
    assert keys == ["k0", "k1"]
    log = (info.data / "cloud.log").read_text()
    assert "the last record is incomplete" in log and "cut the last" in log
    assert any("cut the last" in note for note in again.notes)
    # appends after the cut are readable at the next start
    daemons.clients(again)("s3").put_object(Bucket="torn-bucket", Key="k9", Body=b"y")
    daemons.kill9(again)
    third = daemons.start(home)
    keys = [o["Key"] for o in daemons.clients(third)("s3").list_objects_v2(Bucket="torn-bucket")["Contents"]]
    assert keys == ["k0", "k1", "k9"]


@pytest.mark.parametrize("garbage", [b"\x00\x00", b"\x00\x00\x00\x10\xde\xad\xbe\xefpartial"])
def test_garbage_after_last_record_is_skipped(daemons: Daemons, garbage: bytes) -> None:
    home = daemons.home()
    info = daemons.start(home)
    daemons.clients(info)("ssm").put_parameter(Name="/torn", Value="v", Type="String")
    daemons.kill9(info)
    with open(_last_segment(info), "ab") as file:
        file.write(garbage)
    again = daemons.start(home)
    assert daemons.clients(again)("ssm").get_parameter(Name="/torn")["Parameter"]["Value"] == "v"
