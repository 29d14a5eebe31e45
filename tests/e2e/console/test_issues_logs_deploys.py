"""Issues, log search and deploy history in a real browser, over an app that fails in three ways.

The app (``apps/failing``) has two functions: Orders fails with a KeyError or a JSONDecodeError, Payments
divides by zero; both print a plain line and a JSON line when asked. It is deployed to the session's local
cloud with the real deployer and invoked with boto3; the console reads what the local cloud recorded.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from squall.cloud import CloudInfo
from squall.config import load_project
from squall.config.loader import Project
from squall.console import ConsoleServer, serve
from squall.deploy import Clients, NullReporter, deploy
from tests.e2e.console.conftest import ARTIFACTS, deploy_copy

APP = Path(__file__).parent / "apps" / "failing"


@dataclass
class FailingApp:
    project: Project
    clients: Clients
    root: Path

    def name(self, logical_id: str) -> str:
        resource = next(r for r in self.project.graph.resources if r.logical_id == logical_id)
        assert resource.physical_name
        return resource.physical_name

    def invoke(self, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
        response = self.clients("lambda").invoke(
            FunctionName=self.name(logical_id), Payload=json.dumps(event)
        )
        return {"error": response.get("FunctionError"), "payload": json.loads(response["Payload"].read())}


@pytest.fixture(scope="module")
def failing(console_cloud: CloudInfo, tmp_path_factory: pytest.TempPathFactory) -> FailingApp:
    workdir = tmp_path_factory.mktemp("failing")
    project, clients, _ = deploy_copy(APP, workdir, console_cloud, f"e{uuid.uuid4().hex[:6]}")
    return FailingApp(project, clients, project.root)


@pytest.fixture(scope="module")
def failing_console(failing: FailingApp) -> Iterator[ConsoleServer]:
    server = serve(failing.project, clients=failing.clients).start()
    try:
        yield server
    finally:
        server.stop()


def sized_page(browser: Browser, width: int) -> Page:
    return browser.new_context(viewport={"width": width, "height": 860}).new_page()


def issue_counts(page: Page) -> dict[str, int]:
    rows = page.get_by_test_id("issue-row")
    found: dict[str, int] = {}
    for index in range(rows.count()):
        row = rows.nth(index)
        found[row.get_by_test_id("issue-type").inner_text()] = int(
            row.get_by_test_id("issue-count-cell").inner_text()
        )
    return found


def test_three_errors_in_two_functions_make_three_issues_and_resolve_reopens(
    browser: Browser, failing: FailingApp, failing_console: ConsoleServer
) -> None:
    for event in ({"kind": "key"}, {"kind": "key"}, {"kind": "json"}):
        assert failing.invoke("Orders", event)["error"] == "Unhandled"
    for _ in range(3):
        assert failing.invoke("Payments", {"kind": "zero"})["error"] == "Unhandled"
    failing.invoke("Orders", {"kind": "ok"})  # a success is no issue

    page = sized_page(browser, 1440)
    page.goto(failing_console.url + "#/issues")
    expected = {"KeyError": 2, "JSONDecodeError": 1, "ZeroDivisionError": 3}
    rows = page.get_by_test_id("issue-row")
    expect(rows).to_have_count(3, timeout=20_000)
    deadline = time.monotonic() + 20
    while issue_counts(page) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert issue_counts(page) == expected

    # The JSON error happened inside the json module: its library frames are folded under the user's frame.
    rows.filter(has_text="JSONDecodeError").click()
    trace = page.get_by_test_id("issue-trace")
    expect(trace).to_contain_text("orders.py", timeout=10_000)
    expect(trace.get_by_test_id("trace-folded").first).to_contain_text("library frame")
    expect(page.get_by_test_id("issue-meta")).to_contain_text("in handler")
    expect(page.get_by_test_id("issue-invocation")).to_have_count(1)

    zero = rows.filter(has_text="ZeroDivisionError")
    zero.click()
    expect(page.get_by_test_id("issue-meta")).to_contain_text("payments.py", timeout=10_000)
    expect(page.get_by_test_id("issue-meta")).to_contain_text("in charge")
    expect(page.get_by_test_id("issue-invocation")).to_have_count(3)
    page.get_by_test_id("issue-resolve").click()
    expect(rows).to_have_count(2, timeout=10_000)
    page.get_by_test_id("issue-filter").select_option("resolved")
    expect(rows).to_have_count(1, timeout=10_000)
    expect(rows.first).to_contain_text("ZeroDivisionError")

    failing.invoke("Payments", {"kind": "zero"})
    page.get_by_test_id("issue-filter").select_option("open")
    expect(rows).to_have_count(3, timeout=20_000)
    reopened = rows.filter(has_text="ZeroDivisionError")
    expect(reopened.get_by_test_id("issue-count-cell")).to_have_text("4", timeout=10_000)
    expect(reopened.get_by_test_id("issue-status")).to_have_text("open")

    # An issue's invocation opens in the Invocations page with its folded traceback.
    reopened.click()
    page.get_by_test_id("issue-invocation").first.click()
    expect(page.get_by_test_id("invocation-trace")).to_contain_text("ZeroDivisionError", timeout=10_000)
    expect(page.get_by_test_id("invocation-trace")).to_contain_text("charge")
    page.context.close()


def log_texts(page: Page) -> list[str]:
    lines = page.get_by_test_id("log-line")
    return [lines.nth(i).inner_text() for i in range(lines.count())]


def test_searching_logs_finds_lines_in_time_order_across_functions(
    browser: Browser, failing: FailingApp, failing_console: ConsoleServer
) -> None:
    tag = f"needle{uuid.uuid4().hex[:8]}"
    failing.invoke("Orders", {"kind": "log", "tag": tag, "n": 1})
    failing.invoke("Payments", {"kind": "log", "tag": tag, "n": 5})
    failing.invoke("Orders", {"kind": "log", "tag": tag, "n": 7})

    page = sized_page(browser, 1440)
    page.goto(failing_console.url + "#/logs")
    search = page.get_by_test_id("log-search")
    search.fill(f"{tag} says -nothing")
    search.press("Enter")
    lines = page.get_by_test_id("log-line")
    expect(lines).to_have_count(3, timeout=20_000)
    texts = log_texts(page)
    assert ["orders" in texts[0], "payments" in texts[1], "orders" in texts[2]] == [True, True, True], texts
    assert all(f"{tag} " in t and "says hello" in t for t in texts)

    search.fill(f'{{ $.tag = "{tag}" && $.n > 3 }}')
    search.press("Enter")
    expect(lines).to_have_count(2, timeout=20_000)
    texts = log_texts(page)
    assert '"fn": "payments"' in texts[0] and '"n": 5' in texts[0], texts
    assert '"fn": "orders"' in texts[1] and '"n": 7' in texts[1], texts

    search.fill("{ $.n > ")
    search.press("Enter")
    expect(page.get_by_test_id("log-error")).to_contain_text("invalid filter pattern", timeout=10_000)
    page.context.close()


def test_a_multi_line_record_shows_as_several_rows(
    browser: Browser, failing: FailingApp, failing_console: ConsoleServer
) -> None:
    failing.invoke("Payments", {"kind": "zero"})
    page = sized_page(browser, 1440)
    page.goto(failing_console.url + "#/logs")
    search = page.get_by_test_id("log-search")
    search.fill('"[ERROR] ZeroDivisionError"')
    search.press("Enter")
    expect(page.get_by_test_id("log-line").first).to_contain_text("[ERROR] ZeroDivisionError", timeout=20_000)
    continuation = page.get_by_test_id("log-continuation")
    expect(continuation.filter(has_text="Traceback (most recent call last):").first).to_be_visible()
    expect(continuation.filter(has_text="payments.py").first).to_be_visible()
    page.context.close()


def test_a_deploy_that_changes_one_handler_shows_that_one_change(
    browser: Browser, failing: FailingApp, failing_console: ConsoleServer
) -> None:
    config = failing.root / "squall.config.py"
    config.write_text(
        config.read_text().replace('"functions/payments.handler"', '"functions/payments.handler_v2"')
    )
    project = load_project(config, failing.project.graph.stage)
    deploy(project, clients=failing.clients, reporter=NullReporter(), command="squall deploy (handler v2)")

    page = sized_page(browser, 1440)
    page.goto(failing_console.url + "#/deploys")
    rows = page.get_by_test_id("deploy-row")
    expect(rows.first).to_contain_text("1 updated", timeout=15_000)
    rows.first.click()
    expect(page.get_by_test_id("deploy-meta")).to_contain_text("squall deploy (handler v2)")
    changes = page.get_by_test_id("deploy-change")
    expect(changes).to_have_count(1)
    expect(changes.first).to_contain_text("Payments")
    expect(changes.first).to_contain_text("Handler")
    expect(changes.first.locator(".diff-from")).to_have_text("functions.payments.handler")
    expect(changes.first.locator(".diff-to")).to_have_text("functions.payments.handler_v2")
    expect(rows.last).to_contain_text("created")

    # The function list is what the stage deployed, not what the console read from the config at start.
    page.goto(failing_console.url + "#/functions")
    payments = page.locator("[data-testid=function-row][data-function=Payments]")
    expect(payments).to_contain_text("functions.payments.handler_v2", timeout=20_000)
    page.context.close()


OVERFLOW = """() => {
  const clipped = [];
  const cells = new Set();
  for (const badge of document.querySelectorAll('.badge')) {
    if (!badge.offsetParent) continue;
    if (badge.scrollWidth > badge.clientWidth + 1) clipped.push('badge ' + badge.textContent);
    const box = badge.getBoundingClientRect();
    for (let up = badge.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== 'visible') {
        const outer = up.getBoundingClientRect();
        if (box.right > outer.right + 1 || box.left < outer.left - 1) clipped.push('badge ' + badge.textContent + ' in ' + up.className);
        break;
      }
    }
  }
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) clipped.push('page ' + root.scrollWidth + ' > ' + root.clientWidth);
  for (const row of document.querySelectorAll('.vrow, table.grid')) {
    if (row.scrollWidth > row.clientWidth + 1 && !row.closest('.itemgrid')) clipped.push('row ' + row.className + ' ' + row.textContent.slice(0, 40));
  }
  return clipped;
}"""


@pytest.mark.parametrize("width", [1024, 1440])
def test_screenshots_have_no_clipped_badges(
    browser: Browser, failing: FailingApp, failing_console: ConsoleServer, width: int
) -> None:
    failing.invoke("Orders", {"kind": "key"})
    failing.invoke("Orders", {"kind": "json"})
    failing.invoke("Payments", {"kind": "zero"})
    page = sized_page(browser, width)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    favicon_misses: list[str] = []
    page.on("response", lambda r: favicon_misses.append(r.url) if r.status == 404 else None)
    for name, ready in (
        ("functions", "function-row"),
        ("issues", "issue-row"),
        ("invocations", "invocation-row"),
        ("logs", "log-line"),
        ("deploys", "deploy-row"),
        ("resources", "resource-item"),
    ):
        page.goto(failing_console.url + f"#/{name}")
        expect(page.get_by_test_id(ready).first).to_be_visible(timeout=20_000)
        if name == "issues":
            page.get_by_test_id("issue-row").first.click()
            expect(page.get_by_test_id("issue-trace")).to_be_visible(timeout=10_000)
        if name == "invocations":
            page.get_by_test_id("filter-status").select_option("error")
            expect(page.get_by_test_id("invocation-row").first).to_be_visible(timeout=10_000)
            page.get_by_test_id("invocation-row").first.click()
            expect(page.get_by_test_id("invocation-trace")).to_be_visible(timeout=10_000)
        if name == "deploys":
            page.get_by_test_id("deploy-row").first.click()
            expect(page.get_by_test_id("deploy-meta")).to_be_visible(timeout=10_000)
        if name == "resources":
            expect(page.get_by_test_id("outputs")).not_to_contain_text("loading", timeout=10_000)
            expect(page.get_by_test_id("secrets")).not_to_contain_text("loading", timeout=10_000)
        clipped = page.evaluate(OVERFLOW)
        assert clipped == [], f"{name} at {width} px: {clipped}"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"))
    assert favicon_misses == []
    resources = page.get_by_test_id("resource-list")
    expect(resources.get_by_test_id("queue-dlq")).to_have_text("DLQ → JobsDead")
    expect(resources.get_by_test_id("queue-dlq-for")).to_have_text("DLQ of Jobs")
    page.context.close()


def test_an_aws_stage_gets_its_issues_from_the_functions_logs(failing: FailingApp) -> None:
    """The AWS path (FilterLogEvents on each /aws/lambda group) against the local cloud standing in for AWS."""
    from squall.console.error_logs import ErrorLogSource
    from squall.console.issues import IssueTracker, MemoryDecisions
    from squall.console.triggers import stage_functions

    started = int(time.time() * 1000) - 1000
    rids = [failing.invoke("Orders", {"kind": "key"}), failing.invoke("Payments", {"kind": "zero"})]
    assert all(r["error"] for r in rids)
    failing.invoke("Orders", {"kind": "ok"})
    tracker = IssueTracker(MemoryDecisions())
    source = ErrorLogSource(
        failing.clients("logs"), stage_functions(failing.project.graph), tracker.observe, start_ms=started
    )
    deadline = time.monotonic() + 30
    found: dict[str, int] = {}
    while time.monotonic() < deadline:
        source.poll()
        found = {i["errorType"]: i["count"] for i in tracker.list("all")}
        if found == {"KeyError": 1, "ZeroDivisionError": 1}:
            break
        time.sleep(0.2)
    assert found == {"KeyError": 1, "ZeroDivisionError": 1}
    zero = next(i for i in tracker.list("all") if i["errorType"] == "ZeroDivisionError")
    assert zero["where"].endswith("functions/payments.py:8 in charge")
    detail = tracker.get(zero["id"])
    assert detail is not None and detail["invocations"][0]["requestId"] == rids[1]["payload"]["requestId"]


def test_the_new_endpoints_keep_the_consoles_door(
    failing: FailingApp, failing_console: ConsoleServer
) -> None:
    """Reads need the token; a decision also needs the page's session header, as every other change."""
    import urllib.error
    import urllib.request

    base = f"http://{failing_console.host}:{failing_console.port}"
    for path in ("/api/issues", "/api/logs?q=ERROR", "/api/deploys", "/api/issues/x"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + path, timeout=10)
        assert refused.value.code == 401
        refused.value.close()
    token = {"x-squall-token": failing_console.token}
    failing.invoke("Orders", {"kind": "key"})
    issues: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    while not issues and time.monotonic() < deadline:
        listing = urllib.request.Request(base + "/api/issues?status=all", headers=token)
        with urllib.request.urlopen(listing, timeout=10) as ok:
            issues = json.loads(ok.read())["issues"]
        time.sleep(0.1)
    assert issues
    decide = urllib.request.Request(
        base + f"/api/issues/{issues[0]['id']}",
        data=json.dumps({"status": "ignored"}).encode(),
        headers={**token, "content-type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(decide, timeout=10)
    assert refused.value.code == 403
    refused.value.close()
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(
            urllib.request.Request(base + "/api/logs?q=%7B%20%24.n%20%3E", headers=token), timeout=10
        )
    assert bad.value.code == 400
    bad.value.close()


def test_jumping_to_a_time_shows_the_lines_from_then_on(
    browser: Browser, failing: FailingApp, failing_console: ConsoleServer
) -> None:
    from datetime import datetime

    tag = f"jump{uuid.uuid4().hex[:8]}"
    failing.invoke("Orders", {"kind": "log", "tag": f"{tag}-before"})
    boundary = int(time.time()) + 1
    while time.time() < boundary + 0.05:  # the jump input has a one-second resolution
        time.sleep(0.02)
    failing.invoke("Payments", {"kind": "log", "tag": f"{tag}-after"})

    page = sized_page(browser, 1440)
    page.goto(failing_console.url + "#/logs")
    search = page.get_by_test_id("log-search")
    search.fill(f"{tag} says")
    search.press("Enter")
    lines = page.get_by_test_id("log-line")
    expect(lines).to_have_count(2, timeout=20_000)
    page.get_by_test_id("log-jump").fill(datetime.fromtimestamp(boundary).strftime("%Y-%m-%dT%H:%M:%S"))
    expect(lines).to_have_count(1, timeout=20_000)
    expect(lines.first).to_contain_text(f"{tag}-after payments says hello")
    expect(page.get_by_test_id("log-follow")).not_to_be_checked()
    page.context.close()
