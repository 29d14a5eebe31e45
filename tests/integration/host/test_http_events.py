"""HTTP API events: real requests through a deployed API, the handler's event checked field by field.

The handler answers with the event it received as its JSON body, so each case sees what a Lambda
function behind API Gateway (HTTP API, payload format 2.0) would see.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.integration.host.conftest import Api, Deploy, MakeApi
from tests.integration.host.support import send

ECHO_EVENT = """
import json
def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
"""

EVENT_KEYS = {
    "version",
    "routeKey",
    "rawPath",
    "rawQueryString",
    "cookies",
    "headers",
    "queryStringParameters",
    "requestContext",
    "body",
    "pathParameters",
    "isBase64Encoded",
    "stageVariables",
}
REQUIRED_KEYS = {
    "version",
    "routeKey",
    "rawPath",
    "rawQueryString",
    "headers",
    "requestContext",
    "isBase64Encoded",
}
CONTEXT_KEYS = {
    "accountId",
    "apiId",
    "domainName",
    "domainPrefix",
    "http",
    "requestId",
    "routeKey",
    "stage",
    "time",
    "timeEpoch",
}
REQUEST_TIME = re.compile(
    r"^\d\d/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d\d:\d\d:\d\d \+0000$"
)
ABSENT = object()


@pytest.fixture(scope="module")
def echo_api(deploy: Deploy, make_api: MakeApi) -> Api:
    function = deploy(ECHO_EVENT, prefix="echo")
    return make_api({"GET /items/{id}": function, "ANY /{proxy+}": function, "$default": function})


@dataclass(frozen=True)
class Case:
    method: str
    target: str
    headers: Sequence[tuple[str, str]] = ()
    body: bytes | None = None
    expect: dict[str, Any] = field(default_factory=dict)
    """Top-level event fields: a value, or ABSENT for a field that must be left out."""
    expect_headers: dict[str, Any] = field(default_factory=dict)
    expect_http: dict[str, Any] = field(default_factory=dict)


BINARY = bytes(range(256))

CASES = {
    "simple-get": Case(
        "GET",
        "/items/42",
        [("User-Agent", "probe/1.0")],
        expect={
            "version": "2.0",
            "routeKey": "GET /items/{id}",
            "rawPath": "/items/42",
            "rawQueryString": "",
            "pathParameters": {"id": "42"},
            "queryStringParameters": ABSENT,
            "cookies": ABSENT,
            "body": ABSENT,
            "stageVariables": ABSENT,
            "isBase64Encoded": False,
        },
        expect_headers={"user-agent": "probe/1.0", "cookie": ABSENT},
        expect_http={"method": "GET", "path": "/items/42", "protocol": "HTTP/1.1", "userAgent": "probe/1.0"},
    ),
    "duplicate-and-mixed-case-headers": Case(
        "GET",
        "/items/1",
        [("X-Multi", "a"), ("x-multi", "b"), ("X-MULTI", "c"), ("X-Single-Header", "Value With Case")],
        expect_headers={"x-multi": "a,b,c", "x-single-header": "Value With Case", "X-Multi": ABSENT},
    ),
    "cookies-from-every-cookie-header": Case(
        "GET",
        "/items/1",
        [("Cookie", "a=1; b=2"), ("cookie", "c=3")],
        expect={"cookies": ["a=1", "b=2", "c=3"]},
        expect_headers={"cookie": ABSENT},
    ),
    "query-repeats-and-encoding": Case(
        "GET",
        "/items/1?a=1&a=2&name=J%C3%BCrgen&sp=a%20b&amp=x%26y&empty=",
        expect={
            "rawQueryString": "a=1&a=2&name=J%C3%BCrgen&sp=a%20b&amp=x%26y&empty=",
            "queryStringParameters": {"a": "1,2", "name": "Jürgen", "sp": "a b", "amp": "x&y", "empty": ""},
        },
    ),
    "json-body-is-text": Case(
        "POST",
        "/upload",
        [("Content-Type", "application/json")],
        b'{"k": "v"}',
        expect={
            "routeKey": "ANY /{proxy+}",
            "pathParameters": {"proxy": "upload"},
            "body": '{"k": "v"}',
            "isBase64Encoded": False,
        },
        expect_headers={"content-type": "application/json", "content-length": "10"},
        expect_http={"method": "POST", "path": "/upload"},
    ),
    "utf8-text-body": Case(
        "PUT",
        "/notes/1",
        [("Content-Type", "text/plain; charset=utf-8")],
        "héllo ✓".encode(),
        expect={"body": "héllo ✓", "isBase64Encoded": False, "pathParameters": {"proxy": "notes/1"}},
        expect_http={"method": "PUT"},
    ),
    "binary-body-is-base64": Case(
        "POST",
        "/blob",
        [("Content-Type", "application/octet-stream")],
        BINARY,
        expect={"body": base64.b64encode(BINARY).decode(), "isBase64Encoded": True},
    ),
    "body-without-content-type-is-base64": Case(
        "POST", "/raw", body=b"abc", expect={"body": "YWJj", "isBase64Encoded": True}
    ),
    "form-body-is-base64": Case(
        "POST",
        "/form",
        [("Content-Type", "application/x-www-form-urlencoded")],
        b"a=1&b=2",
        expect={"body": base64.b64encode(b"a=1&b=2").decode(), "isBase64Encoded": True},
    ),
    "greedy-path-with-encoding": Case(
        "DELETE",
        "/files/a%20b/c.txt",
        expect={"routeKey": "ANY /{proxy+}", "rawPath": "/files/a%20b/c.txt"},
        expect_http={"method": "DELETE"},
    ),
    "patch-any-method": Case(
        "PATCH",
        "/things/9",
        [("Content-Type", "application/json")],
        b"[1]",
        expect={"routeKey": "ANY /{proxy+}", "pathParameters": {"proxy": "things/9"}, "body": "[1]"},
        expect_http={"method": "PATCH"},
    ),
    "root-goes-to-default": Case(
        "GET", "/?q=1", expect={"routeKey": "$default", "rawPath": "/", "pathParameters": ABSENT}
    ),
}


def check(fields: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    for key, value in expected.items():
        if value is ABSENT:
            assert key not in fields, f"{where}.{key} should be left out: {fields.get(key)!r}"
        else:
            assert fields.get(key, ABSENT) == value, (
                f"{where}.{key}: {fields.get(key, ABSENT)!r} != {value!r}"
            )


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_event_matches_the_payload_2_0_format(echo_api: Api, case: Case) -> None:
    before = int(time.time() * 1000)
    response = send(echo_api.endpoint, case.method, case.target, case.headers, case.body)
    after = int(time.time() * 1000)
    assert response.status == 200, response.body
    event = response.json()

    assert set(event) <= EVENT_KEYS
    assert set(event) >= REQUIRED_KEYS
    assert event["version"] == "2.0"
    check(event, case.expect, "event")

    headers = event["headers"]
    assert all(name == name.lower() for name in headers)
    assert headers["host"] == f"127.0.0.1:{echo_api.port}"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-port"] == str(echo_api.port)
    check(headers, case.expect_headers, "headers")

    context = event["requestContext"]
    assert set(context) == CONTEXT_KEYS
    assert context["accountId"].isdigit() and len(context["accountId"]) == 12
    assert context["apiId"] == echo_api.api_id
    assert context["domainName"] == headers["host"]
    assert context["domainPrefix"] == context["domainName"].split(".")[0]
    assert context["routeKey"] == event["routeKey"]
    assert context["stage"] == "$default"
    assert context["requestId"] and context["requestId"] == response.header("apigw-requestid")
    assert before - 1000 <= context["timeEpoch"] <= after + 1000
    assert REQUEST_TIME.match(context["time"]), context["time"]

    http = context["http"]
    assert set(http) == {"method", "path", "protocol", "sourceIp", "userAgent"}
    assert http["method"] == case.method
    assert http["path"] == event["rawPath"]
    assert http["sourceIp"] == "127.0.0.1"
    assert http["userAgent"] == headers.get("user-agent", "")
    check(http, case.expect_http, "requestContext.http")


def test_request_ids_are_unique_per_request(echo_api: Api) -> None:
    ids = {send(echo_api.endpoint, "GET", "/items/1").json()["requestContext"]["requestId"] for _ in range(3)}
    assert len(ids) == 3
