"""The live link and squall's own endpoints, against another process on the machine.

Issue 12's "Why": ``PUT /_squall/live/x {"url": ..., "functions": [...]}`` needed no credential, after
which every invocation of those functions (headers, bodies, tokens) went to that URL and its answer was
returned to callers; non-loopback URLs were accepted; ``GET /_squall/live/`` listed the sessions. And the
dev session's live server ran whatever any local process posted to it.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from squall import cloud
from squall.cloud import CloudInfo
from squall.cloud.auth.sigv4 import sign_headers
from squall.dev.live_server import LiveServer
from squall.runtime import InvocationResult
from tests.integration.conftest import ClientFactory
from tests.security.conftest import Attacker, Raw, request

ASSUME_ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@pytest.fixture
def function(aws_client: ClientFactory, unique_name: Callable[[str], str]) -> str:
    """A deployed function that answers ``"deployed"``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 'deployed'\n")
    role = aws_client("iam").create_role(
        RoleName=unique_name("live"), AssumeRolePolicyDocument=ASSUME_ROLE_POLICY
    )
    name = unique_name("live-fn")
    aws_client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
    )
    return name


def invoke(aws_client: ClientFactory, name: str) -> Any:
    return json.loads(
        aws_client("lambda").invoke(FunctionName=name, Payload=b'{"token": "Bearer abc"}')["Payload"].read()
    )


def sessions(squall_signed: Raw) -> dict[str, Any]:
    listing = squall_signed("GET", "/_squall/live/")
    assert listing.status == 200
    found: dict[str, Any] = listing.json()["sessions"]
    return found


def test_a_registration_without_credentials_hijacks_nothing(
    raw: Raw, squall_signed: Raw, attacker: Attacker, aws_client: ClientFactory, function: str
) -> None:
    body = json.dumps({"url": attacker.origin, "functions": [function]}).encode()
    answer = raw("PUT", "/_squall/live/x", body, {"Content-Type": "application/json"})
    assert answer.status == 403
    assert "x" not in sessions(squall_signed)
    assert invoke(aws_client, function) == "deployed"
    assert attacker.received == [], "an invocation went to the attacker"


def test_a_registration_signed_by_a_functions_role_is_refused(
    local_cloud: CloudInfo, aws_client: ClientFactory, attacker: Attacker, squall_signed: Raw, function: str
) -> None:
    """A function's own credentials (a role session) cannot take over the live link either."""
    issued = aws_client("sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/any", RoleSessionName="fn")
    credentials = issued["Credentials"]
    body = json.dumps({"url": attacker.origin, "functions": [function]}).encode()
    headers = {"host": f"127.0.0.1:{local_cloud.port}", "content-type": "application/json"}
    headers.update(
        sign_headers(
            method="PUT",
            path="/_squall/live/role",
            query="",
            headers=headers,
            body=body,
            access_key_id=credentials["AccessKeyId"],
            secret_access_key=credentials["SecretAccessKey"],
            session_token=credentials["SessionToken"],
            region="us-east-1",
            service="squall",
            now=time.time(),
        )
    )
    assert request(local_cloud.port, "PUT", "/_squall/live/role", body, headers).status == 403
    assert "role" not in sessions(squall_signed)


@pytest.mark.parametrize("url", ["http://attacker.example:80", "http://10.1.2.3:8080", "https://127.0.0.1:9"])
def test_a_live_link_must_name_a_loopback_url(squall_signed: Raw, function: str, url: str) -> None:
    body = json.dumps({"url": url, "functions": [function]}).encode()
    answer = squall_signed("PUT", "/_squall/live/remote", body, {"content-type": "application/json"})
    assert answer.status == 400 and b"127.0.0.1" in answer.body
    assert "remote" not in sessions(squall_signed)


def test_the_sessions_are_not_listed_without_credentials(
    raw: Raw, squall_signed: Raw, attacker: Attacker, function: str
) -> None:
    body = json.dumps({"url": attacker.origin, "functions": [function]}).encode()
    assert (
        squall_signed("PUT", "/_squall/live/mine", body, {"content-type": "application/json"}).status == 200
    )
    try:
        answer = raw("GET", "/_squall/live/")
        assert answer.status == 403
        assert b"mine" not in answer.body and function.encode() not in answer.body
    finally:
        squall_signed("DELETE", "/_squall/live/mine")


def test_health_tells_nothing_sensitive(raw: Raw, local_cloud_home: Path) -> None:
    answer = raw("GET", "/_squall/health")
    assert answer.status == 200
    assert set(answer.json()) == {"pid", "port", "endpoint", "started_at"}
    assert str(local_cloud_home).encode() not in answer.body
    assert cloud.credentials(local_cloud_home).access_key_id.encode() not in answer.body


@pytest.fixture
def live_server(local_cloud_home: Path) -> Iterator[tuple[LiveServer, list[str]]]:
    calls: list[str] = []

    def run(function: str, event: Any, request_id: str | None) -> InvocationResult:
        calls.append(function)
        return InvocationResult(request_id or "r", "from the session", None, "", 1.0, False)

    server = LiveServer(run, cloud.credentials(local_cloud_home))
    server.start()
    try:
        yield server, calls
    finally:
        server.stop()


def test_the_dev_live_server_answers_only_the_local_cloud(
    live_server: tuple[LiveServer, list[str]], local_cloud_home: Path
) -> None:
    server, calls = live_server
    port = int(server.url.rsplit(":", 1)[1])
    body = json.dumps({"function": "fn", "event": {"injected": True}, "request_id": "1"}).encode()
    base = {"host": f"127.0.0.1:{port}", "content-type": "application/json"}
    assert request(port, "POST", "/invoke", body, base).status == 403
    rebound = {**base, "host": f"rebind.evil.example:{port}"}
    assert request(port, "POST", "/invoke", body, rebound).status == 403
    key = cloud.credentials(local_cloud_home)

    def signed(headers: dict[str, str], secret: str = key.secret_access_key) -> dict[str, str]:
        return {
            **headers,
            **sign_headers(
                method="POST",
                path="/invoke",
                query="",
                headers=headers,
                body=body,
                access_key_id=key.access_key_id,
                secret_access_key=secret,
                region="us-east-1",
                service="squall",
                now=time.time(),
            ),
        }

    assert request(port, "POST", "/invoke", body, signed(base, "guessed")).status == 403
    assert (
        request(port, "POST", "/invoke", body, signed({**base, "origin": "http://localhost:5173"})).status
        == 403
    )
    assert calls == []
    answer = request(port, "POST", "/invoke", body, signed(base))
    assert answer.status == 200 and answer.json()["payload"] == "from the session"
    assert calls == ["fn"]
