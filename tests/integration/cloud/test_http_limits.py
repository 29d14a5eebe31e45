"""The AWS endpoint's limits: stalled requests time out, connections are capped, oversized heads refused."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from squall import cloud
from squall.cloud import CloudInfo

CAP = 4


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CloudInfo, Path]]:
    """A local cloud with a 1 s read timeout and room for four connections."""
    home = tmp_path_factory.mktemp("limited")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SQUALL_CLOUD_READ_TIMEOUT", "1")
        env.setenv("SQUALL_CLOUD_MAX_CONNECTIONS", str(CAP))
        info = cloud.start(home, port=0)
    assert info is not None
    try:
        yield info, home
    finally:
        cloud.stop(home)


def _connect(info: CloudInfo) -> socket.socket:
    return socket.create_connection(("127.0.0.1", info.port), timeout=10)


def _host(info: CloudInfo) -> bytes:
    """The ``Host`` header line the local cloud accepts (loopback with its own port)."""
    return f"Host: 127.0.0.1:{info.port}\r\n".encode()


def _answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def _health(info: CloudInfo) -> bytes:
    with _connect(info) as sock:
        sock.sendall(b"GET /_squall/health HTTP/1.1\r\n" + _host(info) + b"Connection: close\r\n\r\n")
        return _answer(sock)


def test_request_stalled_mid_headers_is_answered_and_closed(limited: tuple[CloudInfo, Path]) -> None:
    info, _ = limited
    with _connect(info) as sock:
        sock.sendall(b"GET /_squall/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 400") and b"RequestTimeout" in answer
    assert time.monotonic() - started < 9


def test_headers_trickled_byte_by_byte_still_time_out(limited: tuple[CloudInfo, Path]) -> None:
    info, _ = limited
    request = b"GET /_squall/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    with _connect(info) as sock:
        started = time.monotonic()
        closed = False
        for byte in request:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            sock.settimeout(0.05)
            try:
                if sock.recv(65536) is not None:
                    closed = True
                    break
            except TimeoutError:
                pass
            if time.monotonic() - started > 8:
                break
    assert closed and time.monotonic() - started < 8, "each byte came in time, the whole head did not"


def test_request_stalled_mid_body_is_answered_and_closed(limited: tuple[CloudInfo, Path]) -> None:
    info, _ = limited
    with _connect(info) as sock:
        sock.sendall(
            b"PUT /some-bucket HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100
        )
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 400") and b"RequestTimeout" in answer


def test_oversized_head_is_refused(limited: tuple[CloudInfo, Path]) -> None:
    info, _ = limited
    with _connect(info) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (70 << 10) + b"\r\n\r\n")
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 431")


def test_connections_past_the_cap_get_slow_down_and_a_log_line(limited: tuple[CloudInfo, Path]) -> None:
    info, home = limited
    held = [_connect(info) for _ in range(CAP)]
    try:
        for sock in held:  # each is served (so counted) before the next one comes
            sock.sendall(b"GET /_squall/health HTTP/1.1\r\n" + _host(info) + b"\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        answer = _health(info)
        assert answer.startswith(b"HTTP/1.1 503") and b"SlowDown" in answer
        log = (home / "cloud" / "cloud.log").read_text()
        assert f"{CAP} connections are open, the local cloud's limit" in log
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 10
    while not (answer := _health(info)).startswith(b"HTTP/1.1 200"):
        assert time.monotonic() < deadline, answer
        time.sleep(0.05)
