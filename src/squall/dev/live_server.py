"""The dev session's side of the live link: an HTTP endpoint on 127.0.0.1 the local cloud forwards to.

It answers only the local cloud: every call must name it on loopback (``Host``), come from no web page,
and be signed (SigV4, service ``squall``) with the home's own key pair, which only the local cloud and
the developer's own processes can read. So nothing else on the machine can feed the session events.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from squall.cloud.auth.failures import AuthFailure
from squall.cloud.auth.hosts import is_loopback_host
from squall.cloud.auth.keyring import KeyRing
from squall.cloud.auth.keys import AccessKey
from squall.cloud.auth.verify import Incoming, Verifier
from squall.runtime import InvocationResult

Invoke = Callable[[str, Any, str | None], InvocationResult]
Notes = Callable[[str, list[str]], None]
"""Called with a function's physical name and the IAM denial notes its last invocation met."""
SIGNING_NAME = "squall"
MAX_BODY = 8 * 1024 * 1024  # an invocation's event is at most 6 MB


class LiveServer:
    """``POST /invoke`` with ``{"function", "event", "request_id"}`` → the ``InvocationResult`` as JSON;
    ``POST /denials`` with ``{"function", "lines"}``: what IAM denied that function, told to ``notes``."""

    def __init__(self, invoke: Invoke, key: AccessKey, notes: Notes | None = None) -> None:
        self._invoke = invoke
        self._notes = notes
        self._verifier = Verifier(KeyRing(key))
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # header and body are two writes: no 40 ms delayed-ACK stall

            def do_POST(self) -> None:
                try:
                    length = int(self.headers.get("content-length") or 0)
                except ValueError:
                    length = -1
                if not 0 <= length <= MAX_BODY:
                    self._answer(400, {"error": "a body of a valid Content-Length is required"})
                    self.close_connection = True
                    return
                body = self.rfile.read(length)
                refused = owner._refusal(self, body)
                if refused is not None:
                    self._answer(403, {"error": refused})
                    return
                if self.path.partition("?")[0] == "/denials":
                    self._answer(*owner._denials(body))
                    return
                try:
                    document = json.loads(body)
                    result = owner._invoke(
                        document["function"], document["event"], document.get("request_id")
                    )
                    answer, status = dataclasses.asdict(result), 200
                except KeyError as exc:
                    answer, status = {"error": f"unknown function {exc}"}, 404
                except Exception as exc:
                    answer, status = {"error": repr(exc)}, 500
                self._answer(status, answer)

            def _answer(self, status: int, document: Any) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def _denials(self, body: bytes) -> tuple[int, Any]:
        try:
            document = json.loads(body)
            function, lines = str(document["function"]), [str(line) for line in document["lines"]]
        except (ValueError, KeyError, TypeError):
            return 400, {"error": "expected {function, lines}"}
        if self._notes is not None:
            self._notes(function, lines)
        return 200, {}

    def _refusal(self, handler: BaseHTTPRequestHandler, body: bytes) -> str | None:
        """Why a call is refused, or None when the local cloud signed it."""
        raw = list(handler.headers.items())
        headers = {name.lower(): value for name, value in raw}
        if not is_loopback_host(headers.get("host"), self.port):
            return "the live server answers only requests for its loopback address"
        if "origin" in headers or headers.get("sec-fetch-site") == "cross-site":
            return "the live server does not answer web pages"
        path, _, query = handler.path.partition("?")
        try:
            verified = self._verifier.verify(
                Incoming(handler.command, path, query, raw, headers, body), s3=False
            )
        except AuthFailure as failure:
            return f"not signed by the local cloud ({failure.kind})"
        if verified.service != SIGNING_NAME:
            return "not signed for the live link"
        return None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
