"""Large stages stay usable: 10,000 invocations and a 10,000-item table page render only what is in view."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from squall.cloud import CloudInfo
from squall.console import ConsoleServer, InvocationRecord, LiveFeed, serve
from tests.e2e.console.conftest import DeployedApp, deploy_copy, screenshot
from tests.integration.conftest import session_for

COUNT = 10_000
BIG_APP = """
from squall import App, Stack
from squall.constructs import Table


def config(input):
    return {"name": "big", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(lambda stack: Table(stack, "Big", fields={"pk": "string"}, primary_index={"partition_key": "pk"}))
"""


@pytest.fixture
def crowded_console(shortener: DeployedApp) -> Iterator[ConsoleServer]:
    """A console whose live feed already holds 10,000 invocations of the stage's first function."""
    feed = LiveFeed(keep=COUNT)
    name = "url-shortener-e2e-ApiPostShorten"
    for index in range(COUNT):
        feed.publish(
            InvocationRecord(
                requestId=f"bulk-{index:05d}",
                function=name,
                event={"rawPath": f"/bulk/{index}", "requestContext": {"http": {"method": "POST"}}},
                response={"statusCode": 500 if index % 10 == 0 else 200, "body": f"item {index}"},
                error=index % 97 == 0,
                errorType="ValueError" if index % 97 == 0 else None,
                durationMs=1.0 + index % 50,
                cold=index == 0,
                logs=f"line for bulk {index}",
                at=1_700_000_000_000 + index,
            )
        )
    server = serve(shortener.project, clients=shortener.clients, live_feed=feed).start()
    try:
        yield server
    finally:
        server.stop()


def test_ten_thousand_invocations_render_only_the_rows_in_view(
    page: Page, crowded_console: ConsoleServer
) -> None:
    page.goto(crowded_console.url + "#/invocations")
    expect(page.get_by_test_id("invocation-count")).to_have_text(
        re.compile(r"^1\d,\d{3} invocations$"), timeout=30_000
    )
    rows = page.get_by_test_id("invocation-row")
    assert rows.count() < 100
    page.get_by_test_id("invocation-list").evaluate("box => { box.scrollTop = box.scrollHeight; }")
    oldest = page.locator("[data-request-id=bulk-00000]")
    expect(oldest).to_have_count(1, timeout=10_000)
    assert rows.count() < 100
    oldest.click()
    expect(page.get_by_test_id("invocation-logs")).to_have_text("line for bulk 0", timeout=10_000)

    page.get_by_test_id("filter-text").fill("/bulk/4242")
    expect(rows).to_have_count(1, timeout=15_000)
    expect(rows.first).to_contain_text("/bulk/4242")


@pytest.fixture(scope="session")
def big_table(console_cloud: CloudInfo, tmp_path_factory: pytest.TempPathFactory) -> DeployedApp:
    source = tmp_path_factory.mktemp("big-src") / "big"
    source.mkdir()
    (source / "squall.config.py").write_text(textwrap.dedent(BIG_APP).lstrip(), encoding="utf-8")
    project, clients, _ = deploy_copy(source, tmp_path_factory.mktemp("big"), console_cloud, "e2e")
    table = (
        session_for(console_cloud.home)
        .resource("dynamodb", endpoint_url=console_cloud.endpoint)
        .Table("big-e2e-Big")
    )
    with table.batch_writer() as batch:
        for index in range(COUNT):
            batch.put_item(Item={"pk": f"item-{index:05d}", "n": index, "note": "x" * 20})
    return DeployedApp(project, clients, "")


def test_a_ten_thousand_item_table_page_renders_only_the_rows_in_view(
    page: Page, big_table: DeployedApp
) -> None:
    with serve(big_table.project, clients=big_table.clients) as server:
        page.goto(server.url + "#/resources/table/Big")
        expect(page.get_by_test_id("table-status")).to_contain_text("100 items", timeout=15_000)
        page.get_by_test_id("table-page-size").select_option("10000")
        page.get_by_test_id("table-scan").click()
        expect(page.get_by_test_id("table-status")).to_contain_text("10,000 items", timeout=60_000)
        rows = page.get_by_test_id("table-row")
        assert rows.count() < 100
        page.get_by_test_id("table-items").evaluate("box => { box.scrollTop = box.scrollHeight; }")
        expect(rows.last).to_contain_text("item-", timeout=10_000)
        assert rows.count() < 100
        screenshot(page, "table-10000")
