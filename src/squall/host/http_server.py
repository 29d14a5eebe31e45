"""The HTTP/1.1 server an HTTP API listens with: asyncio protocol callbacks over ``httptools``' parser.

An API answers each request whole (API Gateway buffers both ways), so the server needs little: parse a
request, hand it to the API's ``dispatch`` coroutine, write the response in one go with its
``content-length``. Requests pipelined on one connection are answered in order, one at a time; reading
pauses while too many wait. ``Expect: 100-continue`` is honoured, idle connections close after
``IDLE_SECONDS``, and a malformed request gets a 400 and the connection closed.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import socket
import time
from collections import deque
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Any

import httptools

from squall.runtime.apigw import HttpRequest, HttpResponse, internal_server_error

log = logging.getLogger(__name__)

Dispatch = Callable[[HttpRequest], Coroutine[Any, Any, HttpResponse]]

IDLE_SECONDS = 75.0
"""As long as a load balancer keeps an idle connection (uvicorn's and API Gateway's order of magnitude)."""
MAX_PIPELINED = 64
_NO_BODY_STATUSES = frozenset({204, 304})
_DROPPED_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "date"})
_date_cache: tuple[int, bytes] = (0, b"")


def _date_header() -> bytes:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, email.utils.formatdate(now, usegmt=True).encode())
    return _date_cache[1]


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b"Unknown"


def encode_response(response: HttpResponse, *, head: bool, keep_alive: bool) -> bytes:
    """Status line, headers and body: the response's own ``content-length``, never chunked."""
    status = response.status
    lines = [b"HTTP/1.1 %d %s" % (status, _reason(status))]
    for name, value in response.headers:
        if name.lower() not in _DROPPED_HEADERS:
            lines.append(f"{name}: {value}".encode("latin-1", "replace"))
    lines.append(b"date: " + _date_header())
    if status >= 200 and status not in _NO_BODY_STATUSES:
        lines.append(b"content-length: %d" % len(response.body))
    if not keep_alive:
        lines.append(b"connection: close")
    head_bytes = b"\r\n".join(lines) + b"\r\n\r\n"
    return head_bytes if head or status in _NO_BODY_STATUSES else head_bytes + response.body


class ApiServer:
    """One listening socket and its open connections."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, dispatch: Dispatch) -> None:
        self.loop = loop
        self.port = int(sock.getsockname()[1])
        self.dispatch = dispatch
        self.connections: set[Connection] = set()
        self._server: asyncio.Server | None = None
        self._sock = sock

    async def start(self) -> None:
        self._server = await self.loop.create_server(lambda: Connection(self), sock=self._sock)

    def close(self) -> None:
        """Stop listening and close every connection (call on the loop's thread)."""
        if self._server is not None:
            self._server.close()
        for connection in list(self.connections):
            connection.close()


class Connection(asyncio.Protocol):
    def __init__(self, server: ApiServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.client = "127.0.0.1"
        self.pending: deque[tuple[HttpRequest, bool]] = deque()
        self.busy = False
        self.paused = False
        self.idle: asyncio.TimerHandle | None = None
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []

    # -- asyncio ------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Small responses must leave at once, not wait for the client's delayed ACK.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        if peer:
            self.client = str(peer[0])
        self.server.connections.add(self)
        self._arm_idle()

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        self.pending.clear()
        if self.idle is not None:
            self.idle.cancel()
        self.transport = None

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._reject(b"upgrades are not supported")
        except httptools.HttpParserError:
            self._reject(b"malformed request")

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # -- httptools callbacks --------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self._body = []
        if self.idle is not None:
            self.idle.cancel()
            self.idle = None

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        if self.transport is None:
            return
        expect = next((v for k, v in self._headers if k.lower() == "expect"), None)
        if expect is not None and expect.lower() == "100-continue":
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        path, _, query = self._url.partition(b"?")
        request = HttpRequest(
            method=self.parser.get_method().decode("ascii"),
            raw_path=path.decode("latin-1") or "/",
            raw_query=query.split(b"#", 1)[0],
            headers=self._headers,
            body=b"".join(self._body),
            source_ip=self.client,
            protocol=f"HTTP/{self.parser.get_http_version()}",
            port=self.server.port,
        )
        self.pending.append((request, self.parser.should_keep_alive()))
        if len(self.pending) >= MAX_PIPELINED and self.transport is not None and not self.paused:
            self.transport.pause_reading()
            self.paused = True
        if not self.busy:
            self._next()

    # -- answering ------------------------------------------------------------------------------

    def _next(self) -> None:
        if self.paused and len(self.pending) < MAX_PIPELINED // 2 and self.transport is not None:
            self.transport.resume_reading()
            self.paused = False
        if not self.pending or self.transport is None:
            self.busy = False
            return
        self.busy = True
        request, keep_alive = self.pending.popleft()
        task: asyncio.Task[HttpResponse] = self.server.loop.create_task(self.server.dispatch(request))
        task.add_done_callback(lambda done: self._answer(request, keep_alive, done))

    def _answer(self, request: HttpRequest, keep_alive: bool, done: asyncio.Task[HttpResponse]) -> None:
        if self.transport is None:
            return
        error = None if done.cancelled() else done.exception()
        if error is not None:
            log.error("answering %s %s failed", request.method, request.raw_path, exc_info=error)
        response = internal_server_error() if done.cancelled() or error is not None else done.result()
        self.transport.write(encode_response(response, head=request.method == "HEAD", keep_alive=keep_alive))
        if not keep_alive:
            self.transport.close()
            return
        if not self.pending:
            self._arm_idle()
        self._next()

    def _arm_idle(self) -> None:
        if self.idle is not None:
            self.idle.cancel()
        self.idle = self.server.loop.call_later(IDLE_SECONDS, self.close)

    def _reject(self, reason: bytes) -> None:
        if self.transport is None:
            return
        self.transport.write(
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(reason), reason)
        )
        self.transport.close()
