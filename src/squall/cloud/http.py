"""The HTTP server: threaded, HTTP/1.1 with keep-alive, one write per response.

werkzeug's development server closes every connection after one response, so each boto3 call
would pay for a new TCP connection and a new thread. boto3 keeps connections open and sends
one request at a time on each, so a ``ThreadingHTTPServer`` thread per connection that reads each
body in full (``Content-Length`` or chunked) and answers with one ``write`` serves it well.
``Expect: 100-continue`` (large S3 uploads) is answered by ``http.server`` itself.
"""

from __future__ import annotations

import logging
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from squall.cloud.app import CloudApp
from squall.cloud.info import HOST
from squall.cloud.plugins import CloudResponse

log = logging.getLogger(__name__)

_SKIPPED = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "server", "date", "status", "content-length"}
)
_IDLE_TIMEOUT = 300.0
MAX_BODY = 5 << 30


class BadRequest(Exception):
    pass


class CloudHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "squall-cloud"
    disable_nagle_algorithm = True
    timeout = _IDLE_TIMEOUT
    server: CloudServer

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except BadRequest as exc:
            self._write(CloudResponse.aws_error(400, "BadRequest", str(exc)), head=False)
            self.close_connection = True
            return
        host = f"{HOST}:{self.server.port}"
        response = self.server.app.respond(self.command, self.path, list(self.headers.items()), body, host)
        self._write(response, head=self.command == "HEAD")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _serve

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if not length_header:
            return b""
        try:
            length = int(length_header)
        except ValueError as exc:
            raise BadRequest(f"invalid Content-Length {length_header!r}") from exc
        if length < 0 or length > MAX_BODY:
            raise BadRequest(f"invalid Content-Length {length}")
        body = self.rfile.read(length)
        if len(body) != length:
            raise BadRequest("the request body ended early")
        return body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise BadRequest("invalid chunk size") from exc
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

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
        lines.append(f"Content-Length: {length if head and length is not None else len(response.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(head_bytes if head else head_bytes + response.body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class CloudServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, listener: socket.socket, app: CloudApp) -> None:
        super().__init__(listener.getsockname(), CloudHandler, bind_and_activate=False)
        self.socket.close()
        self.socket = listener
        self.server_address = listener.getsockname()
        self.port = int(self.server_address[1])
        self.app = app

    def handle_error(self, request: object, client_address: object) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)
