"""An HTTP API of the local cloud refuses DNS rebinding, other sites' pages, and oversize requests.

Reproduced as the issue found them: a request whose ``Host`` is ``rebind.evil.example`` (what a browser sends
after DNS rebinding), a request from a web page on an origin the API's CORS does not allow, a 1 MB header and
a 200 MB body. The handler leaves a mark for every invocation, so "refused" also means "never ran".
"""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path

import pytest

from tests.integration.conftest import aws_client, boto3_session, local_cloud, local_cloud_home
from tests.integration.host.conftest import Api, Deploy, MakeApi, deploy, lambda_role, make_api
from tests.security.servers_support import body_of, read_until_closed, status_of

__all__ = [
    "aws_client",
    "boto3_session",
    "deploy",
    "lambda_role",
    "local_cloud",
    "local_cloud_home",
    "make_api",
]

MARKING = """
import os

def handler(event, context):
    with open(os.environ["MARKS"], "a") as marks:
        marks.write(event["rawPath"] + "\\n")
    return {"statusCode": 200, "body": "ran " + event["rawPath"]}
"""
ALLOWED = "http://localhost:5173"


@pytest.fixture(scope="module")
def marks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("marks") / "marks.txt"


@pytest.fixture(scope="module")
def apis(deploy: Deploy, make_api: MakeApi, marks: Path) -> tuple[Api, Api]:
    """The same function behind an API without CORS and one that allows ``ALLOWED``."""
    function = deploy(MARKING, environment={"MARKS": str(marks)}, prefix="guard")
    plain = make_api({"ANY /{proxy+}": function})
    cors = make_api(
        {"ANY /{proxy+}": function},
        cors={"AllowOrigins": [ALLOWED], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["content-type"]},
    )
    return plain, cors


def ran(marks: Path) -> list[str]:
    return marks.read_text().split() if marks.exists() else []


def request(api: Api, path: str, headers: dict[str, str], method: str = "GET") -> bytes:
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection(("127.0.0.1", api.port), timeout=30) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\n{lines}Connection: close\r\n\r\n".encode())
        return read_until_closed(sock, 30)


def test_dns_rebinding_and_foreign_hosts_are_refused_and_nothing_runs(
    apis: tuple[Api, Api], marks: Path
) -> None:
    plain, _ = apis
    for host in (
        "rebind.evil.example",
        f"rebind.evil.example:{plain.port}",
        f"127.0.0.1.nip.io:{plain.port}",
        f"127.0.0.1:{plain.port + 1}",
        "127.0.0.1",
    ):
        answer = request(plain, "/rebound", {"Host": host})
        assert status_of(answer) == 403 and body_of(answer) == b'{"message":"Forbidden"}', host
    assert request(plain, "/nohost", {})[:12] in (b"HTTP/1.1 403", b"HTTP/1.1 400")
    assert "/rebound" not in ran(marks) and "/nohost" not in ran(marks)
    for host in (f"127.0.0.1:{plain.port}", f"localhost:{plain.port}", f"app.localhost:{plain.port}"):
        assert status_of(request(plain, "/own", {"Host": host})) == 200, host
    assert ran(marks).count("/own") == 3


def test_a_page_on_another_origin_is_refused_unless_cors_allows_it(
    apis: tuple[Api, Api], marks: Path
) -> None:
    plain, cors = apis
    for api in (plain, cors):
        host = f"127.0.0.1:{api.port}"
        for headers in (
            {"Origin": "https://evil.example"},
            {"Origin": "http://127.0.0.1:9999"},
            {"Origin": "null"},
            {"Sec-Fetch-Site": "cross-site"},
        ):
            for method in ("GET", "POST"):
                answer = request(api, "/foreign", {"Host": host, **headers}, method)
                assert status_of(answer) == 403, (api, headers, method)
        own = request(
            api, "/same", {"Host": host, "Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}, "POST"
        )
        assert status_of(own) == 200
    assert "/foreign" not in ran(marks)

    host = f"127.0.0.1:{cors.port}"
    allowed = request(
        cors, "/allowed", {"Host": host, "Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"}, "POST"
    )
    assert status_of(allowed) == 200 and f"access-control-allow-origin: {ALLOWED}".encode() in allowed.lower()
    preflight = request(
        cors,
        "/allowed",
        {"Host": host, "Origin": ALLOWED, "Access-Control-Request-Method": "POST"},
        "OPTIONS",
    )
    assert status_of(preflight) == 204 and b"access-control-allow-methods" in preflight.lower()
    assert ran(marks).count("/allowed") == 1


def test_a_one_megabyte_header_gets_431(apis: tuple[Api, Api], marks: Path) -> None:
    plain, _ = apis
    answer = request(plain, "/huge-header", {"Host": f"127.0.0.1:{plain.port}", "X-Big": "a" * 1024 * 1024})
    assert status_of(answer) == 431
    assert body_of(answer) == b'{"message":"Request Header Fields Too Large"}'
    assert "/huge-header" not in ran(marks)


def test_a_200_megabyte_body_is_refused_while_it_is_still_being_sent(
    apis: tuple[Api, Api], marks: Path
) -> None:
    plain, _ = apis
    chunk = b"%x\r\n%s\r\n" % (1024 * 1024, b"z" * 1024 * 1024)
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", plain.port), timeout=30) as sock:
        sock.sendall(
            f"POST /huge-body HTTP/1.1\r\nHost: 127.0.0.1:{plain.port}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        deadline = time.monotonic() + 60
        while sent < 200 and not answer and time.monotonic() < deadline:
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
            if select.select([sock], [], [], 0)[0]:
                answer = sock.recv(65536)
        answer += read_until_closed(sock, 30)
    assert status_of(answer) == 413
    assert body_of(answer) == b'{"message":"Request Entity Too Large"}'
    assert sent < 200, "the whole body was taken in before an answer came"
    assert "/huge-body" not in ran(marks)
