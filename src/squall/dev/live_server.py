"""The dev session's side of the live link: an HTTP endpoint on 127.0.0.1 the local cloud forwards to."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from squall.runtime import InvocationResult

Invoke = Callable[[str, Any, str | None], InvocationResult]


class LiveServer:
    """``POST /invoke`` with ``{"function", "event", "request_id"}`` → the ``InvocationResult`` as JSON."""

    def __init__(self, invoke: Invoke) -> None:
        self._invoke = invoke
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # header and body are two writes: no 40 ms delayed-ACK stall

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                try:
                    document = json.loads(self.rfile.read(length))
                    result = owner._invoke(
                        document["function"], document["event"], document.get("request_id")
                    )
                    body = json.dumps(dataclasses.asdict(result)).encode()
                    status = 200
                except KeyError as exc:
                    body, status = json.dumps({"error": f"unknown function {exc}"}).encode(), 404
                except Exception as exc:
                    body, status = json.dumps({"error": repr(exc)}).encode(), 500
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
