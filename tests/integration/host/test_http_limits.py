"""An HTTP API server's limits, on real sockets: head and body sizes, stalled requests, the connection cap.

The server runs in this process with small limits (a 0.5 s read timeout, four connections) and a dispatch
that answers with the size of the body it got, so each limit is seen without waiting for the defaults.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from squall.host.http_api import bind_socket
from squall.host.http_server import MAX_BODY_BYTES, MAX_HEAD_BYTES, ApiServer, ServerLimits
from squall.runtime.apigw import HttpRequest, HttpResponse
from tests.security.servers_support import body_of, read_until_closed, status_of

LIMITS = ServerLimits(read_timeout=0.5, max_connections=4)


@pytest.fixture(scope="module")
def server() -> Iterator[ApiServer]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def dispatch(request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, [("content-type", "text/plain")], b"%d" % len(request.body))

    api = ApiServer(loop, bind_socket(0), dispatch, LIMITS)
    asyncio.run_coroutine_threadsafe(api.start(), loop).result(timeout=10)
    try:
        yield api
    finally:

        async def stop() -> None:
            api.close()
            assert api._server is not None
            await api._server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def connect(server: ApiServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=30)


def head(server: ApiServer, extra: str = "", method: str = "GET") -> bytes:
    return f"{method} / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n{extra}".encode()


def wait_for_connections(server: ApiServer, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(server.connections) != count:
        assert time.monotonic() < deadline, f"{len(server.connections)} connections open, not {count}"
        time.sleep(0.01)


def test_headers_up_to_the_limit_pass_and_past_it_get_431(server: ApiServer) -> None:
    base = len(head(server)) + len("x-fill: \r\nconnection: close\r\n\r\n")
    fits = head(server, f"x-fill: {'a' * (MAX_HEAD_BYTES - base)}\r\nconnection: close\r\n\r\n")
    assert len(fits) == MAX_HEAD_BYTES
    with connect(server) as sock:
        sock.sendall(fits)
        assert status_of(read_until_closed(sock, 30)) == 200
    with connect(server) as sock:
        sock.sendall(fits[:-4] + b"a\r\n\r\n")
        answer = read_until_closed(sock, 30)
    assert status_of(answer) == 431
    assert body_of(answer) == b'{"message":"Request Header Fields Too Large"}'


def test_a_one_megabyte_header_is_refused_before_it_is_all_sent(server: ApiServer) -> None:
    with connect(server) as sock:
        sock.sendall(head(server, "x-big: "))
        sent = 0
        sock.settimeout(0.05)
        answer = b""
        while sent < 1024 * 1024 and not answer:
            sock.sendall(b"a" * 4096)
            sent += 4096
            try:
                answer = sock.recv(65536)
            except TimeoutError:
                continue
        answer += read_until_closed(sock, 30)
    assert status_of(answer) == 431
    assert sent < 1024 * 1024


def test_a_body_over_ten_megabytes_gets_413_with_or_without_a_length(server: ApiServer) -> None:
    with connect(server) as sock:
        sock.sendall(head(server, f"content-length: {MAX_BODY_BYTES + 1}\r\n\r\n", "POST"))
        answer = read_until_closed(sock, 30)  # answered from the headers alone: no byte of the body sent
    assert status_of(answer) == 413
    assert body_of(answer) == b'{"message":"Request Entity Too Large"}'

    chunk = b"%x\r\n%s\r\n" % (1024 * 1024, b"b" * 1024 * 1024)
    with connect(server) as sock:
        sock.sendall(head(server, "transfer-encoding: chunked\r\n\r\n", "POST"))
        for _ in range(11):
            sock.sendall(chunk)
        answer = read_until_closed(sock, 30)
    assert status_of(answer) == 413

    with connect(server) as sock:
        exactly = b"c" * MAX_BODY_BYTES
        sock.sendall(
            head(server, f"content-length: {len(exactly)}\r\nconnection: close\r\n\r\n", "POST") + exactly
        )
        answer = read_until_closed(sock, 30)
    assert status_of(answer) == 200 and body_of(answer) == b"%d" % MAX_BODY_BYTES


@pytest.mark.parametrize(
    "partial",
    [
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1",
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\ncontent-length: 10\r\n\r\nabc",
    ],
    ids=["mid-headers", "mid-body"],
)
def test_a_stalled_request_loses_its_connection(server: ApiServer, partial: bytes) -> None:
    with connect(server) as sock:
        sock.sendall(partial.replace(b"PORT", str(server.port).encode()))
        started = time.monotonic()
        answer = read_until_closed(sock, 30)
        waited = time.monotonic() - started
    assert answer == b""  # closed, with nothing said
    assert waited < 25  # the read timeout (0.5 s) closed it, not the test's own deadline


def test_past_the_connection_cap_new_connections_get_503_and_one_log_line(
    server: ApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    wait_for_connections(server, 0)
    held = [connect(server) for _ in range(LIMITS.max_connections)]
    try:
        wait_for_connections(server, LIMITS.max_connections)
        with caplog.at_level(logging.WARNING, logger="squall.host.http_server"):
            for _ in range(3):
                with connect(server) as sock:
                    answer = read_until_closed(sock, 30)
                assert status_of(answer) == 503
        lines = [r.getMessage() for r in caplog.records if "open connections" in r.getMessage()]
        assert len(lines) == 1 and f"port {server.port}" in lines[0]
    finally:
        for sock in held:
            sock.close()
    wait_for_connections(server, 0)
    with connect(server) as sock:
        sock.sendall(head(server, "connection: close\r\n\r\n"))
        assert status_of(read_until_closed(sock, 30)) == 200
