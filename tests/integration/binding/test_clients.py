"""The typed clients against the local cloud: a deployed function calls every method with its own role.

The function's answers are checked, and so is the cloud's side of each call (the item in the table, the
message on the queue, the object behind a presigned URL), through the test's own boto3 clients.
"""

from __future__ import annotations

import json
import textwrap
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from squall import cloud
from squall.binding.secrets import Secrets
from squall.cloud import CloudInfo
from squall.config import load_project
from squall.deploy import boto3_clients, deploy
from tests.integration.conftest import ClientFactory

CONFIG = """
from squall.constructs import Bucket, Function, Queue, Secret, Table, Topic


def config(input):
    return {"name": "clients"}


def stacks(app):
    app.stack(main)


def main(stack):
    notes = Table(
        stack,
        "Notes",
        fields={"userId": "string", "noteId": "string", "createdAt": "number", "title": "string"},
        primary_index={"partition_key": "userId", "sort_key": "noteId"},
        global_indexes={"ByDate": {"partition_key": "userId", "sort_key": "createdAt"}},
    )
    uploads = Bucket(stack, "Uploads")
    jobs = Queue(stack, "Jobs")
    audit = Queue(stack, "Audit")
    events = Topic(stack, "Events", subscribers={"Audit": audit})
    key = Secret(stack, "ApiKey")
    Function(stack, "User", handler="functions/use.handler", bind=[notes, uploads, jobs, events, key])
"""

HANDLER = """
from decimal import Decimal

from squall import ConditionFailed, Resource


def table(event):
    notes = Resource.Notes
    out = {}
    notes.put({"userId": "u1", "noteId": "n1", "createdAt": 3, "title": "first", "score": 0.1, "tags": {"a"}})
    notes.put({"userId": "u1", "noteId": "n2", "createdAt": 1, "title": "second"})
    notes.put({"userId": "u1", "noteId": "n3", "createdAt": 2, "blob": b"\\x00\\x01", "big": Decimal("1.000000000000000000001")})
    item = notes.get(userId="u1", noteId="n1", consistent=True)
    out["get"] = [item["title"], item["createdAt"], type(item["createdAt"]).__name__, item["score"], sorted(item["tags"])]
    odd = notes.get(userId="u1", noteId="n3")
    out["binary"] = [type(odd["blob"]).__name__, list(odd["blob"]), str(odd["big"]), type(odd["big"]).__name__]
    out["missing"] = notes.get(userId="u1", noteId="nope")
    try:
        notes.put({"userId": "u1", "noteId": "n1"}, condition="attribute_not_exists(userId)")
        out["put_conditional"] = "written"
    except ConditionFailed as exc:
        out["put_conditional"] = ["ConditionFailed", exc.table]
    after = notes.update({"userId": "u1", "noteId": "n1"}, set={"title": "renamed"}, add={"createdAt": 10}, remove=["score"])
    out["update"] = [after["title"], after["createdAt"], "score" in after]
    try:
        notes.update({"userId": "u1", "noteId": "n1"}, set={"title": "x"}, condition="createdAt < :limit", values={":limit": 5})
        out["update_conditional"] = "written"
    except ConditionFailed:
        out["update_conditional"] = "ConditionFailed"
    out["query"] = [i["noteId"] for i in notes.query("u1")]
    out["query_sorted"] = [i["noteId"] for i in notes.query("u1", sort_condition=(">=", "n2"), forward=False)]
    out["query_prefix"] = [i["noteId"] for i in notes.query("u1", sort_condition=("begins_with", "n"), limit=2)]
    out["query_index"] = [i["noteId"] for i in notes.query("u1", index="ByDate", sort_condition=("between", 1, 2))]
    notes.batch_write(put=[{"userId": "u2", "noteId": f"b{i:02d}"} for i in range(30)], delete=[{"userId": "u1", "noteId": "n2"}])
    out["batch"] = [len(list(notes.query("u2"))), notes.get(userId="u1", noteId="n2")]
    out["paged"] = len(list(notes.query("u2", limit=27)))
    old = notes.delete(userId="u2", noteId="b00")
    out["delete"] = [old["noteId"], notes.delete(userId="u2", noteId="b00")]
    try:
        notes.delete(userId="u2", noteId="b01", condition="attribute_not_exists(userId)")
    except ConditionFailed:
        out["delete_conditional"] = notes.get(userId="u2", noteId="b01") is not None
    with notes.transact() as tx:
        tx.put({"userId": "u3", "noteId": "t1", "title": "in a transaction"})
        tx.update({"userId": "u1", "noteId": "n1"}, add={"createdAt": 1})
        tx.delete(userId="u2", noteId="b02")
    out["transact"] = [notes.get(userId="u3", noteId="t1")["title"], notes.get(userId="u1", noteId="n1")["createdAt"], notes.get(userId="u2", noteId="b02")]
    try:
        with notes.transact() as tx:
            tx.put({"userId": "u3", "noteId": "t2"})
            tx.check({"userId": "u3", "noteId": "t1"}, condition="attribute_not_exists(userId)")
    except ConditionFailed as exc:
        out["transact_failed"] = [exc.reasons, notes.get(userId="u3", noteId="t2")]
    out["raw"] = notes.table.get_item(Key={"userId": "u3", "noteId": "t1"})["Item"]["title"]
    return out


def bucket(event):
    uploads = Resource.Uploads
    out = {"etag": uploads.put("docs/a.txt", "hello", metadata={"by": "test"})}
    uploads.put("docs/b.bin", b"\\x00\\xff", content_type="application/octet-stream")
    uploads.put("other/c.txt", b"c")
    found = uploads.get("docs/a.txt")
    out["get"] = [found.text, found.content_type, found.metadata, found.etag == out["etag"]]
    out["missing"] = uploads.get("docs/none.txt")
    out["list"] = [(s.key, s.size) for s in uploads.list("docs/")]
    out["list_all"] = [s.key for s in uploads.list()]
    out["list_limit"] = [s.key for s in uploads.list(limit=1)]
    uploads.delete("other/c.txt")
    out["deleted"] = uploads.get("other/c.txt")
    out["presign_get"] = uploads.presign_get("docs/a.txt", expires_in=300)
    out["presign_put"] = uploads.presign_put("docs/up.txt", content_type="text/plain")
    out["raw"] = uploads.client.head_object(Bucket=uploads.bucket_name, Key="docs/b.bin")["ContentLength"]
    return out


def queue(event):
    jobs = Resource.Jobs
    return {
        "one": jobs.send({"order": 1}),
        "text": jobs.send("plain text"),
        "batch": jobs.send_batch([{"order": n} for n in range(12)]),
        "url": jobs.queue_url,
    }


def topic(event):
    return {"id": Resource.Events.publish({"hello": "world"}, subject="greeting", attributes={"kind": "test"})}


def secret(event):
    return {"value": Resource.ApiKey.value, "cached": Resource.ApiKey.value is Resource.ApiKey.value}


def handler(event, context):
    return globals()[event["case"]](event)
"""

SECRET = "k3y-for-clients"


@dataclass(frozen=True)
class Deployed:
    """The deployed test app: its stage, and a way to run one case in its function."""

    stage: str
    aws_client: ClientFactory

    def __call__(self, case: str) -> Any:
        name = f"clients-{self.stage}-User"
        response = self.aws_client("lambda").invoke(
            FunctionName=name, Payload=json.dumps({"case": case}).encode()
        )
        result = json.loads(response["Payload"].read())
        assert response.get("FunctionError") is None, result
        return result


@pytest.fixture(scope="module")
def deployed(
    tmp_path_factory: pytest.TempPathFactory, local_cloud: CloudInfo, aws_client: ClientFactory
) -> Deployed:
    root = tmp_path_factory.mktemp("clients")
    (root / "functions").mkdir()
    (root / "squall.config.py").write_text(CONFIG)
    (root / "functions" / "__init__.py").write_text("")
    (root / "functions" / "use.py").write_text(textwrap.dedent(HANDLER))
    stage = f"c{int(time.time() * 1000) % 10**8}"
    Secrets(aws_client("ssm"), "clients", stage).set("ApiKey", SECRET)
    project = load_project(Path(root) / "squall.config.py", stage)
    clients = boto3_clients(
        target="local",
        region="us-east-1",
        endpoint=local_cloud.endpoint,
        credentials=cloud.credentials(local_cloud.home),
    )
    deploy(project, clients=clients)
    return Deployed(stage, aws_client)


def test_table_methods_take_and_give_plain_values(deployed: Deployed) -> None:
    out = deployed("table")
    assert out["get"] == ["first", 3, "int", 0.1, ["a"]]
    assert out["binary"] == ["bytes", [0, 1], "1.000000000000000000001", "Decimal"]
    assert out["missing"] is None
    assert out["put_conditional"] == ["ConditionFailed", "Notes"]
    assert out["update"] == ["renamed", 13, False]
    assert out["update_conditional"] == "ConditionFailed"
    assert out["query"] == ["n1", "n2", "n3"]
    assert out["query_sorted"] == ["n3", "n2"]
    assert out["query_prefix"] == ["n1", "n2"]
    assert out["query_index"] == ["n2", "n3"]
    assert out["batch"] == [30, None]
    assert out["paged"] == 27
    assert out["delete"] == ["b00", None]
    assert out["delete_conditional"] is True
    assert out["transact"] == ["in a transaction", 14, None]
    assert out["transact_failed"] == [["None", "ConditionalCheckFailed"], None]
    assert out["raw"] == "in a transaction"


def test_table_items_are_stored_as_dynamodb_types(deployed: Deployed, aws_client: ClientFactory) -> None:
    deployed("table")
    stage = deployed.stage
    stored = aws_client("dynamodb").get_item(
        TableName=f"clients-{stage}-Notes", Key={"userId": {"S": "u1"}, "noteId": {"S": "n3"}}
    )["Item"]
    assert stored["createdAt"] == {"N": "2"} and stored["blob"] == {"B": b"\x00\x01"}


def test_bucket_methods_and_presigned_urls(deployed: Deployed, aws_client: ClientFactory) -> None:
    out = deployed("bucket")
    assert out["get"] == ["hello", "text/plain; charset=utf-8", {"by": "test"}, True]
    assert out["missing"] is None and out["deleted"] is None
    assert out["list"] == [["docs/a.txt", 5], ["docs/b.bin", 2]]
    assert out["list_all"] == ["docs/a.txt", "docs/b.bin", "other/c.txt"]
    assert out["list_limit"] == ["docs/a.txt"]
    assert out["raw"] == 2
    with urllib.request.urlopen(out["presign_get"], timeout=30) as response:
        assert response.read() == b"hello"
    upload = urllib.request.Request(
        out["presign_put"], data=b"uploaded", method="PUT", headers={"content-type": "text/plain"}
    )
    with urllib.request.urlopen(upload, timeout=30) as response:
        assert response.status == 200
    stage = deployed.stage
    body = aws_client("s3").get_object(Bucket=f"clients-{stage}-uploads", Key="docs/up.txt")["Body"].read()
    assert body == b"uploaded"


def receive_all(aws_client: ClientFactory, url: str, count: int) -> list[dict[str, Any]]:
    sqs = aws_client("sqs")
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while len(messages) < count and time.monotonic() < deadline:
        messages += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
    return messages


def test_queue_send_and_send_batch(deployed: Deployed, aws_client: ClientFactory) -> None:
    out = deployed("queue")
    assert len(out["batch"]) == 12 and all(out["batch"])
    messages = receive_all(aws_client, out["url"], 14)
    bodies = sorted(m["Body"] for m in messages)
    assert bodies == sorted(['{"order":1}', "plain text", *(f'{{"order":{n}}}' for n in range(12))])
    assert {m["MessageId"] for m in messages} == {out["one"], out["text"], *out["batch"]}


def test_topic_publish_reaches_its_subscriber(deployed: Deployed, aws_client: ClientFactory) -> None:
    out = deployed("topic")
    stage = deployed.stage
    url = aws_client("sqs").get_queue_url(QueueName=f"clients-{stage}-Audit")["QueueUrl"]
    [message] = receive_all(aws_client, url, 1)
    envelope = json.loads(message["Body"])
    assert envelope["MessageId"] == out["id"] and envelope["Subject"] == "greeting"
    assert json.loads(envelope["Message"]) == {"hello": "world"}


def test_secret_value(deployed: Deployed) -> None:
    assert deployed("secret") == {"value": SECRET, "cached": True}
