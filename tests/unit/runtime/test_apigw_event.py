"""Payload 2.0 events built from plain requests."""

from __future__ import annotations

import base64

import pytest

from squall.runtime.apigw import (
    ApiInfo,
    HttpRequest,
    RouteMatch,
    build_event,
    format_request_time,
    parse_query,
)

API = ApiInfo(api_id="abc123", account_id="123456789012", region="eu-west-1")
TIME_MS = 1583348638390  # 04/Mar/2020:19:03:58 +0000


def event_for(request: HttpRequest, route: RouteMatch | None = None, api: ApiInfo = API) -> dict[str, object]:
    return build_event(request, api, request_id="JKJaXmPLvHcESHA=", time_epoch_ms=TIME_MS, route=route)


def test_full_event_matches_the_aws_shape() -> None:
    request = HttpRequest(
        method="POST",
        raw_path="/my/path/42",
        raw_query="parameter1=value1&parameter1=value2&parameter2=value",
        headers=[
            ("Host", "abc123.execute-api.eu-west-1.amazonaws.com"),
            ("User-Agent", "curl/8.0"),
            ("Content-Type", "application/json"),
            ("Cookie", "cookie1=a; cookie2=b"),
            ("X-Multi", "one"),
            ("x-multi", "two"),
        ],
        body=b'{"k": "v"}',
        source_ip="192.0.2.1",
    )
    event = event_for(request, RouteMatch("POST /my/path/{id}", {"id": "42"}))
    assert event == {
        "version": "2.0",
        "routeKey": "POST /my/path/{id}",
        "rawPath": "/my/path/42",
        "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
        "cookies": ["cookie1=a", "cookie2=b"],
        "headers": {
            "host": "abc123.execute-api.eu-west-1.amazonaws.com",
            "user-agent": "curl/8.0",
            "content-type": "application/json",
            "x-multi": "one,two",
            "x-forwarded-for": "192.0.2.1",
            "x-forwarded-proto": "http",
        },
        "queryStringParameters": {"parameter1": "value1,value2", "parameter2": "value"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": "POST",
                "path": "/my/path/42",
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "curl/8.0",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "POST /my/path/{id}",
            "stage": "$default",
            "time": "04/Mar/2020:19:03:58 +0000",
            "timeEpoch": TIME_MS,
        },
        "body": '{"k": "v"}',
        "pathParameters": {"id": "42"},
        "isBase64Encoded": False,
    }


def test_empty_fields_are_left_out_as_aws_does() -> None:
    event = event_for(HttpRequest("GET", "/"))
    for key in ("cookies", "queryStringParameters", "pathParameters", "body", "stageVariables"):
        assert key not in event
    assert event["routeKey"] == "$default"
    assert event["rawQueryString"] == ""
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert isinstance(context, dict)
    assert context["domainName"] == "abc123.execute-api.eu-west-1.amazonaws.com"
    assert context["http"]["userAgent"] == ""
    assert "authorizer" not in context


def test_stage_variables_authorizer_and_forwarding_headers() -> None:
    api = ApiInfo("abc123", stage="dev", stage_variables={"lambdaName": "fn"})
    request = HttpRequest(
        "GET",
        "/dev/x",
        headers=[("X-Forwarded-For", "10.0.0.1")],
        source_ip="10.0.0.2",
        scheme="https",
        port=443,
    )
    event = build_event(request, api, request_id="r", time_epoch_ms=0, authorizer={"jwt": {"claims": {}}})
    assert event["stageVariables"] == {"lambdaName": "fn"}
    context = event["requestContext"]
    assert isinstance(context, dict)
    assert context["stage"] == "dev"
    assert context["authorizer"] == {"jwt": {"claims": {}}}
    assert context["time"] == "01/Jan/1970:00:00:00 +0000"
    headers = event["headers"]
    assert isinstance(headers, dict)
    assert headers["x-forwarded-for"] == "10.0.0.1, 10.0.0.2"
    assert (headers["x-forwarded-proto"], headers["x-forwarded-port"]) == ("https", "443")


def test_every_cookie_header_goes_to_cookies_and_not_headers() -> None:
    request = HttpRequest(
        "GET", "/", headers=[("Cookie", "a=1; b=2"), ("cookie", "c=3"), ("COOKIE", "d=4;e=5")]
    )
    event = event_for(request)
    assert event["cookies"] == ["a=1", "b=2", "c=3", "d=4", "e=5"]
    headers = event["headers"]
    assert isinstance(headers, dict) and "cookie" not in headers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a=1&a=2&b=3", {"a": "1,2", "b": "3"}),
        ("q=hello%20world&x=%E2%9C%93", {"q": "hello world", "x": "\u2713"}),
        ("na%6De=v", {"name": "v"}),
        ("plus=a+b", {"plus": "a+b"}),
        ("flag&empty=", {"flag": "", "empty": ""}),
        ("&&a=1&", {"a": "1"}),
        ("v=a%2Cb&v=c", {"v": "a,b,c"}),
        ("", {}),
    ],
)
def test_query_string_parameters(raw: str, expected: dict[str, str]) -> None:
    assert parse_query(raw) == expected


def test_raw_query_bytes_are_kept_raw() -> None:
    event = event_for(HttpRequest("GET", "/", raw_query=b"q=a%20b"))
    assert event["rawQueryString"] == "q=a%20b"
    assert event["queryStringParameters"] == {"q": "a b"}


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("text/plain; charset=utf-8", "h\u00e9llo".encode(), True),
        ("text/html", b"<p>", True),
        ("application/json", b"{}", True),
        ("Application/JSON", b"{}", True),
        ("application/xml", b"<a/>", True),
        ("application/javascript", b"x()", True),
        ("application/x-www-form-urlencoded", b"a=1", False),
        ("application/octet-stream", b"\x00\x01", False),
        ("image/png", b"\x89PNG", False),
        (None, b"plain?", False),
        ("text/plain", b"\xff\xfe not utf-8", False),
    ],
)
def test_body_text_or_base64(content_type: str | None, body: bytes, text: bool) -> None:
    headers = [("content-type", content_type)] if content_type else []
    event = event_for(HttpRequest("POST", "/", headers=headers, body=body))
    assert event["isBase64Encoded"] is (not text)
    expected = body.decode() if text else base64.b64encode(body).decode()
    assert event["body"] == expected


def test_content_encoding_makes_a_text_body_binary() -> None:
    request = HttpRequest(
        "POST", "/", headers=[("Content-Type", "text/plain"), ("Content-Encoding", "gzip")], body=b"x"
    )
    assert event_for(request)["isBase64Encoded"] is True


def test_path_parameters_are_copied_not_shared() -> None:
    match = RouteMatch("GET /{id}", {"id": "1"})
    event = event_for(HttpRequest("GET", "/1"), match)
    assert event["pathParameters"] == {"id": "1"}
    assert event["pathParameters"] is not match.path_parameters


@pytest.mark.parametrize(
    ("epoch_ms", "text"),
    [(1583348638390, "04/Mar/2020:19:03:58 +0000"), (1702339200000, "12/Dec/2023:00:00:00 +0000")],
)
def test_request_time_format(epoch_ms: int, text: str) -> None:
    assert format_request_time(epoch_ms) == text
