"""The console refuses what a web page on another origin sends, even a page on another 127.0.0.1 port.

Cookies ignore ports, so a page the developer opens on ``http://127.0.0.1:OTHER`` gets the console's
``SameSite=Strict`` cookie attached to its "simple" cross-origin POSTs. Reproduced with a real Chromium: the
developer opens the console (so the browser holds its cookie), then visits the attacker's page, which fires
invoke, table delete, queue send and queue peek at the console. Each is refused and the local cloud's state
is unchanged; the console's own page still does all four.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from squall import cloud
from squall.cloud import CloudInfo
from squall.config import load_project
from squall.console import ConsoleServer, serve
from squall.deploy import Clients, NullReporter, boto3_clients, deploy
from tests.integration.conftest import local_cloud, local_cloud_home
from tests.security.servers_support import (
    AttackerSite,
    attacker_site,
    body_of,
    raw_request,
    status_of,
)

__all__ = ["attacker_site", "local_cloud", "local_cloud_home"]

APP = """
from squall import App, Stack
from squall.constructs import Function, Queue, Table


def config(input):
    return {"name": "csrf", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(main)


def main(stack: Stack) -> None:
    table = Table(stack, "Items", fields={"pk": "string"}, primary_index={"partition_key": "pk"})
    Queue(stack, "Jobs")
    Function(stack, "Mark", handler="functions/mark.handler", bind=[table])
"""

MARK = """
import boto3
from squall import Resource


def handler(event, context):
    table = boto3.resource("dynamodb").Table(Resource.Items.table_name)
    table.put_item(Item={"pk": "invoked-" + str(event.get("mark", "none"))})
    return {"ok": True}
"""


@dataclass(frozen=True)
class Stage:
    clients: Clients
    table: str
    queue_url: str
    console: ConsoleServer

    def has_item(self, pk: str) -> bool:
        item = self.clients("dynamodb").get_item(TableName=self.table, Key={"pk": {"S": pk}})
        return "Item" in item

    def queue_messages(self) -> list[dict[str, Any]]:
        """Every message on the queue, with how often it was received (this receive included)."""
        response = self.clients("sqs").receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"]
        )
        return list(response.get("Messages", []))


@pytest.fixture(scope="module")
def stage(local_cloud: CloudInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    root = tmp_path_factory.mktemp("csrf-app")
    (root / "squall.config.py").write_text(textwrap.dedent(APP), encoding="utf-8")
    (root / "functions").mkdir()
    (root / "functions" / "mark.py").write_text(textwrap.dedent(MARK), encoding="utf-8")
    project = load_project(root / "squall.config.py", "sec")
    clients = boto3_clients(
        target="local",
        region=project.graph.region,
        endpoint=local_cloud.endpoint,
        credentials=cloud.credentials(local_cloud.home),
    )
    deploy(project, clients=clients, reporter=NullReporter())
    table = clients("dynamodb").list_tables()["TableNames"]
    queues = clients("sqs").list_queues(QueueNamePrefix="csrf-sec-Jobs")["QueueUrls"]
    console = serve(project, clients=clients).start()
    try:
        yield Stage(clients, next(t for t in table if t.startswith("csrf-sec-Items")), queues[0], console)
    finally:
        console.stop()


def open_console(page: Page, console: ConsoleServer) -> None:
    """As the developer does: open the printed URL, so the browser keeps the console's cookie."""
    page.goto(console.url)
    expect(page.get_by_test_id("stage-name")).to_contain_text("csrf / sec", timeout=15_000)


def attack_page(console: ConsoleServer, keep: str, message: str, mark: str) -> str:
    """Fire-and-forget "simple" requests (no preflight): what any page may send to any origin."""
    base = f"http://127.0.0.1:{console.port}"
    shots = [
        ("/api/functions/Mark/invoke", json.dumps({"mark": mark})),
        ("/api/tables/Items/delete", json.dumps({"pk": keep})),
        ("/api/queues/Jobs/send", json.dumps({"body": message})),
        ("/api/queues/Jobs/peek", ""),
    ]
    calls = ",\n".join(
        f"fetch({json.dumps(base + path)}, {{method: 'POST', mode: 'no-cors', credentials: 'include', "
        f"headers: {{'content-type': 'text/plain'}}, body: {json.dumps(body)}}})"
        for path, body in shots
    )
    form = (
        f'<form id="f" method="post" action="{base}/api/queues/Jobs/send" target="sink" enctype="text/plain">'
        f'<input name=\'{{"body": "{message}-form", "x": "\' value=\'"}}\'></form><iframe name="sink"></iframe>'
    )
    return f"""<!doctype html><title>cats</title>{form}<script>
      document.getElementById("f").submit();
      Promise.allSettled([{calls}]).then(() => {{ document.title = "done"; }});
    </script>"""


def test_a_page_on_another_port_cannot_invoke_delete_send_or_peek(
    browser: Browser, stage: Stage, attacker_site: AttackerSite
) -> None:
    keep, message, mark = f"keep-{uuid.uuid4().hex[:8]}", f"evil-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:8]
    stage.clients("dynamodb").put_item(TableName=stage.table, Item={"pk": {"S": keep}})
    for leftover in stage.queue_messages():
        stage.clients("sqs").delete_message(QueueUrl=stage.queue_url, ReceiptHandle=leftover["ReceiptHandle"])
    stage.clients("sqs").send_message(QueueUrl=stage.queue_url, MessageBody="already there")
    attacker_site.html = attack_page(stage.console, keep, message, mark)

    context = browser.new_context()
    try:
        page = context.new_page()
        open_console(page, stage.console)
        refused: list[int] = []
        # Only the attacker's writes: the console page's own reads may still be answered after it is left.
        page.on(
            "response",
            lambda r: refused.append(r.status) if "/api/" in r.url and r.request.method == "POST" else None,
        )
        page.goto(attacker_site.url)
        expect(page).to_have_title("done", timeout=30_000)
        page.wait_for_load_state("networkidle")
    finally:
        context.close()

    assert stage.has_item(keep), "the attacker's page deleted a table item"
    assert not stage.has_item(f"invoked-{mark}"), "the attacker's page invoked a function"
    messages = stage.queue_messages()
    assert [m["Body"] for m in messages] == ["already there"], "the attacker's page sent a message"
    receives = int(messages[0]["Attributes"]["ApproximateReceiveCount"])
    assert receives == 1, "the attacker's page peeked at the queue"
    assert refused and all(status == 403 for status in refused), refused


def test_the_console_own_page_still_invokes_sends_peeks_and_deletes(browser: Browser, stage: Stage) -> None:
    keep = f"own-{uuid.uuid4().hex[:8]}"
    stage.clients("dynamodb").put_item(TableName=stage.table, Item={"pk": {"S": keep}})
    context = browser.new_context()
    try:
        page = context.new_page()
        open_console(page, stage.console)
        done = page.evaluate(
            """async ([keep]) => {
              const {api} = await import("/static/js/api.js");
              await api("/api/functions/Mark/invoke", {method: "POST", body: {mark: keep}});
              await api("/api/tables/Items/delete", {method: "POST", body: {pk: keep}});
              await api("/api/queues/Jobs/send", {method: "POST", body: {body: keep}});
              return (await api("/api/queues/Jobs/peek", {method: "POST"})).messages.map((m) => m.body);
            }""",
            [keep],
        )
    finally:
        context.close()
    assert keep in done
    assert stage.has_item(f"invoked-{keep}") and not stage.has_item(keep)


def test_dns_rebinding_and_other_ports_are_refused_with_the_token(stage: Stage) -> None:
    console = stage.console
    token = console.token
    for host in (
        "rebind.evil.example",
        f"rebind.evil.example:{console.port}",
        f"127.0.0.1:{console.port + 1}",
    ):
        response = raw_request(
            console.port,
            f"GET /api/stage?token={token} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode(),
        )
        assert status_of(response) in (400, 403), (host, response[:200])
        assert b"csrf" not in body_of(response)
    own = raw_request(
        console.port,
        f"GET /api/stage?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{console.port}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert status_of(own) == 200 and b"csrf" in body_of(own)


def test_writes_without_the_page_session_header_are_refused_even_with_the_token(stage: Stage) -> None:
    console = stage.console
    body = json.dumps({"body": "scripted"}).encode()
    response = raw_request(
        console.port,
        b"POST /api/queues/Jobs/send HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nx-squall-token: %s\r\n"
        b"content-type: application/json\r\ncontent-length: %d\r\nConnection: close\r\n\r\n%s"
        % (console.port, console.token.encode(), len(body), body),
    )
    assert status_of(response) == 403
    assert "scripted" not in [m["Body"] for m in stage.queue_messages()]


def test_the_served_page_is_not_framed_by_other_pages(stage: Stage) -> None:
    console = stage.console
    response = raw_request(
        console.port,
        f"GET /?token={console.token} HTTP/1.1\r\nHost: 127.0.0.1:{console.port}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert status_of(response) == 200
    assert b"frame-ancestors 'none'" in response.split(b"\r\n\r\n", 1)[0]
