"""CORS preflight answers and CORS headers on normal responses."""

from __future__ import annotations

import pytest

from squall.runtime.apigw import CorsConfig, HttpResponse, apply_cors, is_preflight, preflight_response

CORS = CorsConfig(
    allow_origins=("https://app.example.com", "https://*.preview.example.com"),
    allow_methods=("GET", "post"),
    allow_headers=("Content-Type", "Authorization"),
    expose_headers=("X-Request-Id",),
    max_age=600,
    allow_credentials=True,
)


def preflight(origin: str, method: str = "POST", **extra: str) -> list[tuple[str, str]]:
    headers = [("Origin", origin), ("Access-Control-Request-Method", method)]
    return headers + [(k.replace("_", "-"), v) for k, v in extra.items()]


@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("OPTIONS", preflight("https://a"), True),
        ("options", preflight("https://a"), True),
        ("OPTIONS", [("Origin", "https://a")], False),
        ("OPTIONS", [("Access-Control-Request-Method", "GET")], False),
        ("GET", preflight("https://a"), False),
    ],
)
def test_is_preflight(method: str, headers: list[tuple[str, str]], expected: bool) -> None:
    assert is_preflight(method, headers) is expected


def test_allowed_preflight_gets_every_configured_header() -> None:
    response = preflight_response(CORS, preflight("https://app.example.com"))
    assert response == HttpResponse(
        204,
        [
            ("access-control-allow-origin", "https://app.example.com"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "GET,POST"),
            ("access-control-allow-headers", "content-type,authorization"),
            ("access-control-max-age", "600"),
        ],
    )


@pytest.mark.parametrize(
    ("origin", "method", "allowed"),
    [
        ("https://pr-12.preview.example.com", "GET", True),
        ("https://APP.example.com", "GET", True),
        ("https://evil.example.com", "GET", False),
        ("https://app.example.com.evil", "GET", False),
        ("https://app.example.com", "DELETE", False),
    ],
)
def test_preflight_for_disallowed_origin_or_method_has_no_cors_headers(
    origin: str, method: str, allowed: bool
) -> None:
    response = preflight_response(CORS, preflight(origin, method))
    assert response.status == 204
    assert (response.header("access-control-allow-origin") is not None) is allowed


def test_wildcards_allow_any_origin_and_echo_requested_headers() -> None:
    cors = CorsConfig(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
    response = preflight_response(
        cors, preflight("https://x", "PATCH", access_control_request_headers="x-a,x-b")
    )
    assert response.header("access-control-allow-origin") == "*"
    assert response.header("access-control-allow-methods") == "*"
    assert response.header("access-control-allow-headers") == "x-a,x-b"
    assert response.header("access-control-max-age") is None
    assert response.header("access-control-allow-credentials") is None


def test_normal_response_gets_configured_headers_and_loses_the_integrations() -> None:
    original = HttpResponse(
        200,
        [("content-type", "text/plain"), ("Access-Control-Allow-Origin", "*"), ("x-request-id", "1")],
        b"ok",
    )
    response = apply_cors(CORS, [("origin", "https://app.example.com")], original)
    assert response.headers == [
        ("content-type", "text/plain"),
        ("x-request-id", "1"),
        ("access-control-allow-origin", "https://app.example.com"),
        ("access-control-allow-credentials", "true"),
        ("access-control-expose-headers", "x-request-id"),
    ]
    assert response.body == b"ok"


@pytest.mark.parametrize("headers", [[], [("Origin", "https://evil.example.com")]])
def test_normal_response_without_allowed_origin_has_no_cors_headers(headers: list[tuple[str, str]]) -> None:
    original = HttpResponse(200, [("access-control-allow-origin", "*")], b"")
    assert apply_cors(CORS, headers, original).headers == []
