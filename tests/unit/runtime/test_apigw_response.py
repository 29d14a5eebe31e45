"""Handler results mapped to HTTP responses as an HTTP API (payload 2.0) maps them."""

from __future__ import annotations

import base64

import pytest

from squall.runtime.apigw import (
    HttpResponse,
    internal_server_error,
    map_invocation,
    map_result,
    not_found,
    service_unavailable,
    too_many_requests,
)

JSON = ("content-type", "application/json")


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (
            {"statusCode": 201, "headers": {"Content-Type": "text/plain", "X-N": 3}, "body": "made"},
            HttpResponse(201, [("Content-Type", "text/plain"), ("X-N", "3")], b"made"),
        ),
        ({"statusCode": 204}, HttpResponse(204, [], b"")),
        ({"statusCode": "302", "headers": {"location": "/x"}}, HttpResponse(302, [("location", "/x")], b"")),
        (
            {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"], "body": "ok"},
            HttpResponse(200, [("set-cookie", "a=1; Path=/"), ("set-cookie", "b=2")], b"ok"),
        ),
        (
            {"statusCode": 200, "body": base64.b64encode(b"\x89PNG\x00").decode(), "isBase64Encoded": True},
            HttpResponse(200, [], b"\x89PNG\x00"),
        ),
        ({"statusCode": 200, "body": "aGk=", "isBase64Encoded": False}, HttpResponse(200, [], b"aGk=")),
        (
            {"statusCode": 200, "multiValueHeaders": {"x": ["1", "2"]}, "body": "\u2713"},
            HttpResponse(200, [], "\u2713".encode()),
        ),
        ({"statusCode": 200, "headers": {"x-flag": True}}, HttpResponse(200, [("x-flag", "true")], b"")),
    ],
)
def test_dict_with_status_code_is_the_response(result: object, expected: HttpResponse) -> None:
    assert map_result(result) == expected


@pytest.mark.parametrize(
    ("result", "body"),
    [
        ({"message": "hi"}, b'{"message": "hi"}'),
        ([1, 2], b"[1, 2]"),
        (42, b"42"),
        (1.5, b"1.5"),
        (True, b"true"),
        (None, b"null"),
        ("Hello from Lambda!", b"Hello from Lambda!"),
        ({"statuscode": 500}, b'{"statuscode": 500}'),
    ],
)
def test_anything_else_is_a_200_json_response(result: object, body: bytes) -> None:
    assert map_result(result) == HttpResponse(200, [JSON], body)


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "abc"},
        {"statusCode": None},
        {"statusCode": True},
        {"statusCode": 99},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "!!notbase64", "isBase64Encoded": True},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "cookies": "a=1"},
    ],
)
def test_malformed_response_is_a_500(result: object) -> None:
    assert map_result(result) == internal_server_error()


def test_function_error_is_a_500_whatever_the_payload() -> None:
    payload = {"errorMessage": "boom", "errorType": "ValueError", "stackTrace": []}
    assert map_invocation(payload, "Unhandled") == internal_server_error()
    assert map_invocation({"statusCode": 201}, None).status == 201


@pytest.mark.parametrize(
    ("response", "status", "body"),
    [
        (not_found(), 404, b'{"message":"Not Found"}'),
        (internal_server_error(), 500, b'{"message":"Internal Server Error"}'),
        (service_unavailable(), 503, b'{"message":"Service Unavailable"}'),
        (too_many_requests(), 429, b'{"message":"Too Many Requests"}'),
    ],
)
def test_gateway_error_bodies(response: HttpResponse, status: int, body: bytes) -> None:
    assert (response.status, response.headers, response.body) == (status, [JSON], body)
    assert response.header("Content-Type") == "application/json"
