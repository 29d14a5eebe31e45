"""Helpers for the security tests of squall's own servers (console, HTTP APIs), files and functions.

The local cloud's fixtures are the integration tier's (``tests/integration/conftest.py``), imported by the
test modules that need them, so clients always carry the credentials that tier gives them. This module adds:
a headless Chromium, an "attacker" web server on another ``127.0.0.1`` port that serves one page, raw HTTP
requests with exact headers, and process counting from ``/proc``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.server
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


def on_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end on a new event loop in another thread.

    The session's browser (Playwright's sync API) keeps a loop running on the main thread, where
    ``asyncio.run`` refuses to start a second one.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


@dataclass
class AttackerSite:
    """A web server on its own 127.0.0.1 port that answers every GET with ``html``."""

    html: str = "<!doctype html><title>nothing here</title>"
    server: http.server.ThreadingHTTPServer | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/"


@pytest.fixture
def attacker_site() -> Iterator[AttackerSite]:
    site = AttackerSite()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = site.html.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    site.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()


def raw_request(port: int, data: bytes, *, timeout: float = 30.0) -> bytes:
    """Send ``data`` as is to 127.0.0.1:``port``; everything the server sends until it closes (or a pause)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return read_until_closed(sock, timeout)


def read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.") else 0


def body_of(response: bytes) -> bytes:
    return response.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in response else b""


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``."""
    from tests.squall_process import alive
    from tests.squall_process import descendants as below

    return {p for p in below(pid) if alive(p)}


def processes_running(argv_part: str) -> list[int]:
    """Live processes of this user whose command line contains ``argv_part``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if argv_part in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def rss_mb(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


@dataclass(frozen=True)
class OwnCloud:
    """A local cloud of a test's own (its own ``SQUALL_HOME``), for settings or a kill the shared one can't take."""

    home: Path
    info: Any
    clients: Any

    def deploy_function(self, source: str, *, timeout: int = 5, name: str = "fn") -> str:
        """A Python 3.12 function from one ``app.py``; returns its name."""
        from tests.integration.host.conftest import ASSUME_ROLE_POLICY
        from tests.integration.host.support import zip_files

        iam = self.clients("iam")
        try:
            role = iam.get_role(RoleName="squall-security-tests")["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            role = iam.create_role(
                RoleName="squall-security-tests", AssumeRolePolicyDocument=ASSUME_ROLE_POLICY
            )["Role"]["Arn"]
        self.clients("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": zip_files({"app.py": source})},
            Timeout=timeout,
        )
        return name

    def http_api(self, function: str) -> str:
        """An HTTP API whose ``$default`` route invokes ``function``; returns its endpoint."""
        apigw, lam = self.clients("apigatewayv2"), self.clients("lambda")
        api = apigw.create_api(Name=f"{function}-api", ProtocolType="HTTP")
        arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
        integration = apigw.create_integration(
            ApiId=api["ApiId"], IntegrationType="AWS_PROXY", IntegrationUri=arn, PayloadFormatVersion="2.0"
        )
        apigw.create_route(
            ApiId=api["ApiId"], RouteKey="$default", Target=f"integrations/{integration['IntegrationId']}"
        )
        apigw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
        return str(api["ApiEndpoint"])


@contextmanager
def own_cloud(home: Path, **environment: str) -> Iterator[OwnCloud]:
    """Start a local cloud on ``home`` with ``environment`` added to its process's; stop it at the end.

    ``SQUALL_HOME`` stays pointed at ``home`` meanwhile, so clients and commands find its credentials.
    """
    from squall import cloud
    from squall.deploy import boto3_clients

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SQUALL_HOME", str(home))
        for name, value in environment.items():
            patch.setenv(name, value)
        info = cloud.start(home, port=0)
        assert info is not None
        try:
            yield OwnCloud(
                home, info, boto3_clients(target="local", region="us-east-1", endpoint=info.endpoint)
            )
        finally:
            cloud.stop(home)
