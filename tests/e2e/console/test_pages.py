"""The console in a real browser over a deployed url-shortener on the local cloud."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from squall.console import ConsoleServer
from tests.e2e.console.conftest import DeployedApp, screenshot, unique_url

ROOT_OF = "http://{host}:{port}/"


def test_the_page_loads_with_the_token_and_is_refused_without_it(page: Page, console: ConsoleServer) -> None:
    bare = ROOT_OF.format(host=console.host, port=console.port)
    for path in ("", "api/functions", "static/js/main.js", "api/logs/stream"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bare + path, timeout=10)
        assert refused.value.code == 401
        refused.value.close()
    response = page.goto(bare)
    assert response is not None and response.status == 401

    response = page.goto(console.url)
    assert response is not None and response.status == 200
    rows = page.get_by_test_id("function-row")
    expect(rows).to_have_count(3, timeout=15_000)
    expect(page.get_by_test_id("functions-table")).to_contain_text("POST /shorten")
    expect(page.get_by_test_id("functions-table")).to_contain_text("GET /stats/{code}")
    assert "token=" not in page.url, "the token leaves the address bar once it is in the cookie"
    page.reload()
    expect(rows).to_have_count(3, timeout=15_000)
    screenshot(page, "functions")


def test_requests_to_the_app_show_up_as_invocations_with_request_and_response(
    page: Page, console: ConsoleServer, shortener: DeployedApp
) -> None:
    page.goto(console.url + "#/invocations")
    expect(page.get_by_test_id("live-status")).to_contain_text("live", timeout=15_000)
    url = unique_url()
    code = shortener.shorten(url)
    shortener.request("GET", f"/stats/{code}")
    shortener.request("GET", "/stats/nope")

    page.get_by_test_id("filter-text").fill(code)
    rows = page.get_by_test_id("invocation-row")
    expect(rows).to_have_count(2, timeout=15_000)
    expect(rows.first).to_contain_text(f"GET /stats/{code}")
    expect(rows.nth(1)).to_contain_text("POST /shorten")
    rows.nth(1).click()
    expect(page.get_by_test_id("invocation-request")).to_contain_text(url, timeout=10_000)
    expect(page.get_by_test_id("invocation-response")).to_contain_text(code)
    expect(page.get_by_test_id("invocation-response")).to_contain_text("201")
    expect(page.get_by_test_id("invocation-logs")).to_contain_text(f"shortened {url} as {code}")
    expect(page.get_by_test_id("invocation-meta")).to_contain_text("cold")

    page.get_by_test_id("filter-text").fill("")
    page.get_by_test_id("filter-status").select_option("all")
    expect(page.get_by_test_id("invocation-count")).not_to_have_text("0 invocations", timeout=10_000)
    screenshot(page, "invocations")

    page.get_by_test_id("filter-text").fill("nope")
    expect(rows.first).to_contain_text("404", timeout=10_000)

    page.goto(console.url + "#/functions")
    shorten_row = page.locator("[data-testid=function-row][data-function=ApiPostShorten]")
    expect(shorten_row.get_by_test_id("function-invocations")).not_to_have_text("0", timeout=10_000)


def test_a_line_printed_by_a_handler_appears_in_the_live_tail_within_a_second(
    page: Page, console: ConsoleServer, shortener: DeployedApp
) -> None:
    page.goto(console.url + "#/logs")
    expect(page.get_by_test_id("live-status")).to_contain_text("live", timeout=15_000)
    shortener.shorten(unique_url())  # the tail is polling and the function is warm before the timed line
    expect(
        page.get_by_test_id("log-line").filter(has_text="shortened https://example.com/")
    ).not_to_have_count(0, timeout=15_000)

    url = unique_url()
    code = shortener.shorten(url)
    printed_at = time.monotonic()
    expect(page.get_by_test_id("log-line").filter(has_text=f"shortened {url} as {code}")).to_have_count(
        1, timeout=1_000
    )
    assert time.monotonic() - printed_at < 1.0
    screenshot(page, "logs")


def test_invoking_a_function_from_the_ui_shows_its_response(page: Page, console: ConsoleServer) -> None:
    page.goto(console.url + "#/invoke")
    page.get_by_test_id("invoke-function").select_option("ApiPostShorten")
    editor = page.get_by_test_id("invoke-event")
    expect(editor).to_have_value(re.compile(r'"routeKey": "POST /shorten"'), timeout=10_000)
    url = unique_url()
    event = editor.input_value().replace('"body": "{}"', f'"body": "{{\\"url\\": \\"{url}\\"}}"')
    assert url in event
    editor.fill(event)
    page.get_by_test_id("invoke-button").click()
    response = page.get_by_test_id("invoke-response")
    expect(response).to_contain_text('"statusCode": 201', timeout=15_000)
    expect(response).to_contain_text("shortCode")
    expect(page.get_by_test_id("invoke-logs")).to_contain_text(f"shortened {url}")
    expect(page.get_by_test_id("invoke-logs")).to_contain_text("REPORT RequestId")
    screenshot(page, "invoke")


def test_an_item_written_by_the_app_is_in_the_table_explorer(
    page: Page, console: ConsoleServer, shortener: DeployedApp
) -> None:
    url = unique_url()
    code = shortener.shorten(url)
    page.goto(console.url + "#/resources/table/Urls")
    page.get_by_test_id("query-partition").fill(code)
    page.get_by_test_id("table-query").click()
    rows = page.get_by_test_id("table-row")
    expect(rows).to_have_count(1, timeout=10_000)
    expect(rows.first).to_contain_text(url)

    page.get_by_test_id("query-partition").fill("")
    page.get_by_test_id("table-scan").click()
    expect(page.get_by_test_id("table-items")).to_contain_text(code, timeout=10_000)
    screenshot(page, "table")

    shortener.clients("ssm").put_parameter(
        Name="/squall/url-shortener/e2e/ApiKey", Value="s3cr3t-value", Type="SecureString", Overwrite=True
    )
    page.goto(console.url + "#/resources")
    expect(page.get_by_test_id("outputs")).to_contain_text("ApiEndpoint", timeout=15_000)
    expect(page.get_by_test_id("secret-row")).to_contain_text("ApiKey", timeout=15_000)
    assert "s3cr3t-value" not in page.content()
    expect(page.get_by_test_id("all-resources")).to_contain_text("AWS::DynamoDB::Table")
    screenshot(page, "resources")
