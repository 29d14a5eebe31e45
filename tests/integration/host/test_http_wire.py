"""The wire behaviour of an HTTP API's server: keep-alive, pipelining, HEAD, Expect, bad requests."""

from __future__ import annotations

import socket

import pytest

from tests.integration.host.conftest import Api, Deploy, MakeApi

PATH_ECHO = """
def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "text/plain"},
            "body": event["requestContext"]["http"]["method"] + " " + event["rawPath"] + " " + (event.get("body") or "")}
"""


@pytest.fixture(scope="module")
def api(deploy: Deploy, make_api: MakeApi) -> Api:
    return make_api({"$default": deploy(PATH_ECHO, prefix="wire")})


def exchange(api: Api, raw: bytes, until: bytes, count: int = 1) -> bytes:
    """Send ``raw`` and read until ``until`` was seen ``count`` times (or the server closed)."""
    with socket.create_connection(("127.0.0.1", api.port), timeout=30) as sock:
        sock.sendall(raw)
        data = b""
        while data.count(until) < count:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def read_all(api: Api, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", api.port), timeout=30) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


def test_pipelined_requests_are_answered_in_order(api: Api) -> None:
    raw = b"".join(f"GET /r{i} HTTP/1.1\r\nHost: 127.0.0.1:{api.port}\r\n\r\n".encode() for i in range(5))
    data = exchange(api, raw, b"HTTP/1.1 200 OK", count=5)
    bodies = [part for part in data.split(b"HTTP/1.1 200 OK")[1:]]
    assert [b"GET /r%d " % i in body for i, body in enumerate(bodies)] == [True] * 5


def test_head_has_the_length_but_no_body(api: Api) -> None:
    data = read_all(api, b"HEAD /h HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % api.port)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"\r\ncontent-length: 8" in head.lower()
    assert body == b""


def test_connection_close_and_http_1_0_close_after_the_answer(api: Api) -> None:
    data = read_all(api, b"GET /c HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % api.port)
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"GET /c ")
    data = read_all(api, b"GET /old HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n\r\n" % api.port)
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"GET /old ")


def test_expect_100_continue(api: Api) -> None:
    with socket.create_connection(("127.0.0.1", api.port), timeout=30) as sock:
        sock.sendall(
            b"POST /e HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
            b"Expect: 100-continue\r\n\r\n" % api.port
        )
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(b"hello")
        data = b""
        while not data.endswith(b"hello"):
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"POST /e hello")


def test_chunked_request_body(api: Api) -> None:
    data = read_all(
        api,
        b"POST /k HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n" % api.port,
    )
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"POST /k abcde")


def test_malformed_request_is_400_and_closed(api: Api) -> None:
    data = read_all(api, b"NOT A REQUEST\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 400 ")
