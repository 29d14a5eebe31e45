"""Fixtures for the security tier: the attacks a web page or another process on the machine would try.

- ``local_cloud``, ``local_cloud_home``, ``aws_client``, ``boto3_session``, ``cloud_env``, ``unique_name``:
  the integration tier's (one real daemon per ``pytest -n`` worker). ``aws_client`` signs with the home's
  key: it is how a test looks at the cloud's state after an attack.
- ``attacker``: an HTTP server on 127.0.0.1, a different origin from the local cloud, serving the pages a
  test writes (``attacker.page(html)``) and recording every request sent to it (``attacker.received``),
  which is where a page would send what it stole.
- ``page``: a fresh page of the session's browser (``tests/conftest.py``: Debian's chromium, headless, with
  ``rebind.evil.example`` resolving to 127.0.0.1, which is what DNS rebinding achieves, and Chromium's Local
  Network Access checks off, as in browsers that have none: squall must not rely on them).
- ``signed``: raw requests signed with the session's credentials (``tests/signed_http.py``).
- ``raw`` sends one request exactly as given, unsigned; ``squall_signed`` signs it with the home's key for
  the ``squall`` service, as squall's own processes do.

Each attack is written so that it succeeds against a local cloud without the checks; the tests assert on
the cloud's state (nothing created, changed or read), not only on status codes.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from squall import cloud
from squall.cloud import CloudInfo
from squall.cloud.auth.sigv4 import sign_headers
from tests.integration.conftest import (  # noqa: F401 - fixtures, registered by being imported here
    aws_client,
    boto3_session,
    cloud_env,
    local_cloud,
    local_cloud_home,
    unique_name,
)
from tests.signed_http import SignedClient

REBIND_HOST = "rebind.evil.example"  # the shared browser resolves it to 127.0.0.1 (tests/conftest.py)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Attacker:
    """A site on another origin: pages to serve, and what reached it."""

    port: int
    pages: dict[str, bytes] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page(self, html: str, host: str = "127.0.0.1") -> str:
        """Serve ``html`` at a new path; its URL (on ``host``, e.g. ``localhost`` for another origin)."""
        path = f"/{uuid.uuid4().hex}.html"
        self.pages[path] = html.encode()
        return f"http://{host}:{self.port}{path}"

    def stolen(self) -> list[Received]:
        return [r for r in self.received if r.path.startswith("/steal")]


@pytest.fixture
def attacker() -> Iterator[Attacker]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    site = Attacker(int(server.server_address[1]))

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.partition("?")[0]
            site.received.append(Received(self.command, self.path, dict(self.headers.items()), body))
            content = site.pages.get(path)
            status = 200 if content is not None else 204
            self.send_response(status)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("access-control-allow-origin", "*")
            self.send_header("content-length", str(len(content or b"")))
            self.end_headers()
            self.wfile.write(content or b"")

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


Raw = Callable[..., Answer]


@pytest.fixture
def raw(local_cloud: CloudInfo) -> Raw:  # noqa: F811 - the imported fixture
    """``raw(method, path, body=b"", headers={...})``: one unsigned request to the local cloud."""

    def send(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Answer:
        return request(local_cloud.port, method, path, body, headers or {})

    return send


@pytest.fixture
def squall_signed(local_cloud: CloudInfo, local_cloud_home: Path) -> Raw:  # noqa: F811
    """``squall_signed(method, path, body=b"")``: a request signed with the home's key, service ``squall``."""
    key = cloud.credentials(local_cloud_home)

    def send(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Answer:
        path_only, _, query = path.partition("?")
        base = {"host": f"127.0.0.1:{local_cloud.port}", **(headers or {})}
        base.update(
            sign_headers(
                method=method,
                path=path_only,
                query=query,
                headers=base,
                body=body,
                access_key_id=key.access_key_id,
                secret_access_key=key.secret_access_key,
                region="us-east-1",
                service="squall",
                now=time.time(),
            )
        )
        return request(local_cloud.port, method, path, body, base)

    return send


def request(port: int, method: str, path: str, body: bytes, headers: dict[str, str]) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


@pytest.fixture(scope="session")
def signed(local_cloud: CloudInfo, boto3_session: Any) -> SignedClient:  # noqa: F811 - the imported fixture
    """Raw requests to the session's local cloud, signed with the session's credentials."""
    return SignedClient(local_cloud, boto3_session)
