"""The HTTP server: threaded, HTTP/1.1 with keep-alive, bounded in time, size and connections.

werkzeug's development server closes every connection after one response, so each boto3 call
would pay for a new TCP connection and a new thread. boto3 keeps connections open and sends
one request at a time on each, so a ``ThreadingHTTPServer`` thread per connection serves it well.
``Expect: 100-continue`` (large S3 uploads) is answered by ``http.server`` itself.

Limits (``Limits``, from the environment in ``Limits.from_env``):

- a connection may wait ``idle_timeout`` for its next request; once a request's first byte arrives,
  its line and headers must all arrive within ``read_timeout`` (so a client trickling headers cannot
  hold a thread), and its body may pause at most ``read_timeout`` between reads. A stalled request
  gets S3's ``RequestTimeout`` and the connection is closed.
- request line and headers: at most ``max_head`` bytes (431 beyond).
- at most ``max_connections`` connections at once; past that a new connection gets a 503
  ``SlowDown`` (which SDKs retry) and the log says so, once per episode.

A body over ``bodies.SPOOL_AT`` is streamed to a body file (hashed on the way: the ``StreamedBody``
carries its SHA-256) instead of being read into memory; see ``bodies.py``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from squall.cloud import aws_chunked
from squall.cloud.app import CloudApp
from squall.cloud.auth import chunked
from squall.cloud.aws_chunked import MAX_BODY, BadRequest
from squall.cloud.bodies import SPOOL_AT, BodyStore, BodyWriter, StreamedBody
from squall.cloud.info import HOST
from squall.cloud.plugins import CloudResponse

log = logging.getLogger(__name__)

_SKIPPED = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "server", "date", "status", "content-length"}
)
_CHUNK = 1 << 20
_ONE_WRITE = 64 << 10


@dataclass(frozen=True)
class Limits:
    idle_timeout: float = 120.0
    read_timeout: float = 20.0
    max_head: int = 64 << 10
    max_connections: int = 256

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        env = os.environ if environ is None else environ
        default = cls()
        return cls(
            idle_timeout=float(env.get("SQUALL_CLOUD_IDLE_TIMEOUT", default.idle_timeout)),
            read_timeout=float(env.get("SQUALL_CLOUD_READ_TIMEOUT", default.read_timeout)),
            max_connections=int(env.get("SQUALL_CLOUD_MAX_CONNECTIONS", default.max_connections)),
        )


class _HeadTooLarge(Exception):
    pass


class CloudHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "squall-cloud"
    disable_nagle_algorithm = True
    server: CloudServer

    def handle_one_request(self) -> None:
        limits = self.server.limits
        try:
            self.connection.settimeout(limits.idle_timeout)
            if not self._peek():
                self.close_connection = True
                return
            head = self._read_head(time.monotonic() + limits.read_timeout)
        except _HeadTooLarge:
            self._refuse(431, "RequestHeaderFieldsTooLarge", "the request line and headers are too large")
            return
        except TimeoutError:
            self._timed_out("its headers")
            return
        except OSError:
            self.close_connection = True
            return
        if head is None:
            self.close_connection = True
            return
        socket_reader = self.rfile
        self.rfile = io.BytesIO(head)
        try:
            self.raw_requestline = self.rfile.readline(65537)
            parsed = self.parse_request()
        finally:
            self.rfile = socket_reader
        if not parsed:
            return
        self.connection.settimeout(limits.read_timeout)
        self._serve()
        self.wfile.flush()

    def _peek(self) -> bytes:
        """What is buffered, after at most one recv (and only when nothing is)."""
        reader: Any = self.rfile
        return bytes(reader.peek(1))

    def _read_head(self, deadline: float) -> bytes | None:
        """The request line and headers, read before ``deadline`` whatever pace the client keeps."""
        head = bytearray()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.connection.settimeout(remaining)
            data = self._peek()
            if not data:
                return None
            window = bytes(head[-3:]) + data
            end = window.find(b"\r\n\r\n")
            if end >= 0:
                head += self.rfile.read(end + 4 - min(3, len(head)))
                return bytes(head)
            head += self.rfile.read(len(data))
            if len(head) > self.server.limits.max_head:
                raise _HeadTooLarge

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except TimeoutError:
            self._timed_out("its body")
            return
        except BadRequest as exc:
            self._write(CloudResponse.aws_error(400, "BadRequest", str(exc)), head=False)
            self.close_connection = True
            return
        except aws_chunked.Refused as refused:
            self.close_connection = True
            self._write(refused.response, head=False)
            self._linger()
            return
        host = f"{HOST}:{self.server.port}"
        response = self.server.app.respond(self.command, self.path, list(self.headers.items()), body, host)
        self._write(response, head=self.command == "HEAD")

    def _timed_out(self, part: str) -> None:
        log.info("closed a connection from %s: %s stalled", self.address_string(), part)
        self._refuse(
            400,
            "RequestTimeout",
            "Your socket connection to the server was not read from or written to within the timeout "
            "period. Idle connections will be closed.",
        )

    def _linger(self, most: int = 64 << 20, seconds: float = 2.0) -> None:
        """Read (and drop) what the client still sends of a refused body, for a bounded time and size, so it
        gets to read the refusal instead of a reset connection."""
        deadline = time.monotonic() + seconds
        left = most
        try:
            while left > 0 and (remaining := deadline - time.monotonic()) > 0:
                self.connection.settimeout(remaining)
                chunk = self.rfile.read1(min(left, 1 << 16))
                if not chunk:
                    return
                left -= len(chunk)
        except OSError:
            pass

    def _refuse(self, status: int, code: str, message: str) -> None:
        self.close_connection = True
        try:
            self.connection.settimeout(1.0)
            self._write(CloudResponse.aws_error(status, code, message), head=False)
        except OSError:
            pass

    def _read_body(self) -> bytes | StreamedBody:
        framed = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length = 0
        if not framed:
            length_header = self.headers.get("Content-Length")
            if not length_header:
                return b""
            try:
                length = int(length_header)
            except ValueError as exc:
                raise BadRequest(f"invalid Content-Length {length_header!r}") from exc
            if length < 0 or length > MAX_BODY:
                raise BadRequest(f"invalid Content-Length {length}")
        mode = self.headers.get("x-amz-content-sha256", "")
        if (
            mode in chunked.MODES
            and self.server.bodies is not None
            and self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 ")
            and (framed or length > SPOOL_AT)
        ):
            reader = (
                aws_chunked.ChunkedReader(self.rfile)
                if framed
                else aws_chunked.LengthReader(self.rfile, length)
            )
            return self._read_aws_chunked(self.server.bodies, mode, reader)
        if framed:
            return self._read_chunked()
        writer = self._writer() if length > SPOOL_AT else None
        if writer is None:
            body = self.rfile.read(length)
            if len(body) != length:
                raise BadRequest("the request body ended early")
            return body
        try:
            left = length
            while left:
                chunk = self.rfile.read(min(_CHUNK, left))
                if not chunk:
                    raise BadRequest("the request body ended early")
                writer.write(chunk)
                left -= len(chunk)
            return writer.finish()
        except BaseException:
            writer.discard()
            raise

    def _read_aws_chunked(self, bodies: BodyStore, mode: str, reader: aws_chunked.BodyReader) -> StreamedBody:
        """An aws-chunked body decoded into a body file as it arrives (``aws_chunked.py``)."""
        raw_headers = list(self.headers.items())
        chain = self.server.app.chunk_chain(self.command, self.path, raw_headers)
        if isinstance(chain, CloudResponse):
            raise aws_chunked.Refused(chain)
        headers = {name.lower(): value for name, value in raw_headers}
        writer = bodies.writer(aws_chunked.checksum_algorithm(headers))
        try:
            return aws_chunked.stream(reader, writer, mode, chain, headers)
        except BaseException:
            writer.discard()
            raise

    def _writer(self) -> BodyWriter | None:
        """A body file to stream into, unless moto must see this body's bytes (aws-chunked framing)."""
        bodies = self.server.bodies
        signed = self.headers.get("x-amz-content-sha256", "")
        if (
            bodies is None
            or signed.startswith("STREAMING-")
            or "aws-chunked" in self.headers.get("Content-Encoding", "")
        ):
            return None
        algorithm = self.headers.get("x-amz-sdk-checksum-algorithm")
        if algorithm and self.headers.get(f"x-amz-checksum-{algorithm.lower()}"):
            algorithm = None
        return bodies.writer(algorithm)

    def _read_chunked(self) -> bytes | StreamedBody:
        parts: list[bytes] = []
        held = 0
        writer: BodyWriter | None = None
        try:
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError as exc:
                    raise BadRequest("invalid chunk size") from exc
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return writer.finish() if writer is not None else b"".join(parts)
                chunk = self.rfile.read(size)
                if len(chunk) != size:
                    raise BadRequest("the request body ended early")
                self.rfile.readline(1024)
                if writer is not None:
                    writer.write(chunk)
                    continue
                parts.append(chunk)
                held += size
                if held > MAX_BODY:
                    raise BadRequest("the request body is too large")
                if held > SPOOL_AT and (writer := self._writer()) is not None:
                    for part in parts:
                        writer.write(part)
                    parts.clear()
        except BaseException:
            if writer is not None:
                writer.discard()
            raise

    def _write(self, response: CloudResponse, *, head: bool) -> None:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {response.status} {reason}"]
        length: str | None = None
        for name, value in response.headers.items():
            lower = name.lower()
            if lower == "content-length":
                length = str(value)
            if lower in _SKIPPED or "\n" in str(value) or "\r" in str(value):
                continue
            lines.append(f"{name}: {value}")
        size = len(response.stream) if response.stream is not None else len(response.body)
        lines.append(f"Content-Length: {length if head and length is not None else size}")
        if self.close_connection:
            lines.append("Connection: close")
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        if response.stream is not None and not head:
            self.wfile.write(head_bytes)
            with open(response.stream.file.path, "rb") as file:
                self.connection.sendfile(file, response.stream.start, len(response.stream))
        elif head or not response.body:
            self.wfile.write(head_bytes)
        elif len(response.body) <= _ONE_WRITE:
            self.wfile.write(head_bytes + response.body)
        else:
            self.wfile.write(head_bytes)
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nConnection: close\r\n"
    b"Content-Length: 131\r\n\r\n"
    b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code>"
    b"<Message>Please reduce your request rate.</Message></Error>"
)


class CloudServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        listener: socket.socket,
        app: CloudApp,
        bodies: BodyStore | None = None,
        limits: Limits | None = None,
    ) -> None:
        super().__init__(listener.getsockname(), CloudHandler, bind_and_activate=False)
        self.socket.close()
        self.socket = listener
        self.server_address = listener.getsockname()
        self.port = int(self.server_address[1])
        self.app = app
        self.bodies = bodies
        self.limits = limits or Limits()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._at_cap = False

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            full = len(self._open) >= self.limits.max_connections
            if not full:
                self._open.add(request)
            elif not self._at_cap:
                self._at_cap = True
                log.warning(
                    "%d connections are open, the local cloud's limit: new connections get 503 SlowDown "
                    "until some close (SQUALL_CLOUD_MAX_CONNECTIONS sets the limit)",
                    len(self._open),
                )
        if full:
            try:
                request.settimeout(1.0)
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)
                if self._at_cap and len(self._open) < self.limits.max_connections:
                    self._at_cap = False
                    log.info("connections are below the limit again")

    def close_in_child(self) -> None:
        """In a forked child: drop the listener and every connection, so only the parent holds them."""
        for sock in [self.socket, *self._open]:
            with contextlib.suppress(OSError):
                os.close(sock.fileno())

    def handle_error(self, request: object, client_address: object) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)
