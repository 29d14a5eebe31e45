"""The HTTP/1.1 server an HTTP API listens with: asyncio protocol callbacks over ``httptools``' parser.

An API answers each request whole (API Gateway buffers both ways), so the server needs little: parse a
request, hand it to the API's ``dispatch`` coroutine, write the response in one go with its
``content-length``. Requests pipelined on one connection are answered in order, one at a time; reading
pauses while too many wait. ``Expect: 100-continue`` is honoured, idle connections close after
``IDLE_SECONDS``, and a malformed request gets a 400 and the connection closed.

Limits are API Gateway's (``ServerLimits``), checked as bytes arrive, so an oversize request is never held
in memory: a request line and headers over 10 KB get 431, a body over 10 MB gets 413
``{"message":"Request Entity Too Large"}``; either way the rest of the request is read and dropped until the
client stops sending, then the connection closes. A request whose headers do not arrive whole within the
read timeout, or whose body stalls that long, loses its connection. Past ``max_connections`` open
connections, new ones get a 503 and are closed, with one log line each time the cap is reached.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httptools

from squall.runtime.apigw import HttpRequest, HttpResponse, internal_server_error

log = logging.getLogger(__name__)

Dispatch = Callable[[HttpRequest], Coroutine[Any, Any, HttpResponse]]

IDLE_SECONDS = 75.0
"""As long as a load balancer keeps an idle connection (uvicorn's and API Gateway's order of magnitude)."""
MAX_PIPELINED = 64
MAX_HEAD_BYTES = 10 * 1024
"""API Gateway's limit for the request line and headers together (HTTP APIs: 10 KB)."""
MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway's payload limit (HTTP APIs: 10 MB)."""
READ_TIMEOUT_SECONDS = 30.0
"""How long a request's headers may take to arrive whole, and a body may stall between two reads."""
MAX_CONNECTIONS = 1024
"""Open connections per API server; the listen backlog has the same size."""
DRAIN_SECONDS = 5.0
"""After refusing an oversize request: how long its remaining bytes are read (and dropped) before closing."""


@dataclass(frozen=True)
class ServerLimits:
    max_head_bytes: int = MAX_HEAD_BYTES
    max_body_bytes: int = MAX_BODY_BYTES
    read_timeout: float = READ_TIMEOUT_SECONDS
    max_connections: int = MAX_CONNECTIONS
    idle_timeout: float = IDLE_SECONDS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> ServerLimits:
        """The defaults, or ``$SQUALL_HTTP_READ_TIMEOUT`` (seconds) and ``$SQUALL_HTTP_MAX_CONNECTIONS``."""
        timeout = environ.get("SQUALL_HTTP_READ_TIMEOUT")
        connections = environ.get("SQUALL_HTTP_MAX_CONNECTIONS")
        return cls(
            read_timeout=float(timeout) if timeout else READ_TIMEOUT_SECONDS,
            max_connections=int(connections) if connections else MAX_CONNECTIONS,
        )


def _refusal(status: int, message: str) -> bytes:
    body = b'{"message":"%s"}' % message.encode()
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: %d\r\n\r\n%s"
        % (
            status,
            _reason(status),
            len(body),
            body,
        )
    )


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

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        dispatch: Dispatch,
        limits: ServerLimits | None = None,
    ) -> None:
        self.loop = loop
        self.port = int(sock.getsockname()[1])
        self.dispatch = dispatch
        self.limits = limits or ServerLimits()
        self.connections: set[Connection] = set()
        self.at_capacity = False
        """Whether the connection cap was reached (and logged) since the count last fell below it."""
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
        self.reading: asyncio.TimerHandle | None = None
        """The read timeout of the request being received."""
        self.in_head = True
        """Waiting for (the rest of) a request line and headers."""
        self.head_bytes = 0
        self.body_bytes = 0
        self.refused = False
        """An oversize request was answered: what still arrives is dropped."""
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
        server = self.server
        if len(server.connections) >= server.limits.max_connections:
            if not server.at_capacity:
                server.at_capacity = True
                log.warning(
                    "the HTTP API on port %d has %d open connections, its limit: new connections get 503 "
                    "until one closes",
                    server.port,
                    len(server.connections),
                )
            self.refused = True
            transport.write(_refusal(503, "Service Unavailable"))
            transport.close()
            return
        server.connections.add(self)
        self._arm_idle()

    def connection_lost(self, exc: Exception | None) -> None:
        server = self.server
        server.connections.discard(self)
        if server.at_capacity and len(server.connections) < server.limits.max_connections:
            server.at_capacity = False
        self.pending.clear()
        for timer in (self.idle, self.reading):
            if timer is not None:
                timer.cancel()
        self.transport = None

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return  # the rest of an oversize request: read and dropped, never kept
        try:
            if self.in_head:
                # Feed no more than the head may still take: if the headers are not complete by then, the
                # request is too large, and the parser never buffers more than the limit.
                room = self.server.limits.max_head_bytes - self.head_bytes
                first, data = data[:room], data[room:]
                self.head_bytes += len(first)
                if first:
                    self.parser.feed_data(first)
                if self.in_head and data:
                    self._refuse(431, "Request Header Fields Too Large")
                    return
            if data and not self.refused:
                self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._reject(b"upgrades are not supported")
        except httptools.HttpParserError:
            if not self.refused:
                self._reject(b"malformed request")

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # -- httptools callbacks --------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self._body = []
        self.body_bytes = 0
        if self.idle is not None:
            self.idle.cancel()
            self.idle = None
        # The whole head must arrive within the read timeout: a client dripping a byte at a time gains nothing.
        self._arm_read_timeout()

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self.in_head = False
        if self.transport is None or self.refused:
            return
        length = next((v for k, v in self._headers if k.lower() == "content-length"), None)
        if (
            length is not None
            and length.strip().isdigit()
            and int(length) > self.server.limits.max_body_bytes
        ):
            self._refuse(413, "Request Entity Too Large")
            return
        self._arm_read_timeout()
        expect = next((v for k, v in self._headers if k.lower() == "expect"), None)
        if expect is not None and expect.lower() == "100-continue":
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        if self.refused:
            return
        self.body_bytes += len(body)
        if self.body_bytes > self.server.limits.max_body_bytes:  # chunked: no length said up front
            self._body = []
            self._refuse(413, "Request Entity Too Large")
            return
        self._body.append(body)
        self._arm_read_timeout()  # a body may take long, but may not stall

    def on_message_complete(self) -> None:
        self.in_head = True
        self.head_bytes = 0
        if self.reading is not None:
            self.reading.cancel()
            self.reading = None
        if self.refused:
            return
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
        self.idle = self.server.loop.call_later(self.server.limits.idle_timeout, self.close)

    def _arm_read_timeout(self) -> None:
        if self.reading is not None:
            self.reading.cancel()
        self.reading = self.server.loop.call_later(self.server.limits.read_timeout, self._stalled)

    def _stalled(self) -> None:
        log.info("closing a connection to port %d: its request stalled", self.server.port)
        self.reading = None
        self.close()

    def _refuse(self, status: int, message: str) -> None:
        """Answer an oversize request, then drop whatever else the client sends until it stops."""
        self.refused = True
        self.pending.clear()
        transport = self.transport
        if transport is None:
            return
        transport.write(_refusal(status, message))
        if transport.can_write_eof():
            transport.write_eof()
        if self.reading is not None:
            self.reading.cancel()
        # Closing at once could reset the connection before the client reads the answer.
        self.reading = self.server.loop.call_later(DRAIN_SECONDS, self.close)

    def _reject(self, reason: bytes) -> None:
        if self.transport is None:
            return
        self.transport.write(
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(reason), reason)
        )
        self.transport.close()
