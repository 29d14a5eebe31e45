"""Malformed and unknown requests get AWS-style errors; the daemon keeps serving."""

from __future__ import annotations

import json
import socket
from http.client import HTTPConnection

import pytest

from squall.cloud import CloudInfo
from tests.integration.conftest import ClientFactory

SIGNED = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=x"


def _send(
    info: CloudInfo, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    connection = HTTPConnection("127.0.0.1", info.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"Authorization": SIGNED.format(service="kinesis")}, b"{}", 400),
        (
            {
                "Authorization": SIGNED.format(service="dynamodb"),
                "X-Amz-Target": "DynamoDB_20120810.PutItem",
                "Content-Type": "application/x-amz-json-1.0",
            },
            b"{not json",
            400,
        ),
        (
            {
                "Authorization": SIGNED.format(service="dynamodb"),
                "X-Amz-Target": "DynamoDB_20120810.NoSuchOperation",
                "Content-Type": "application/x-amz-json-1.0",
            },
            b"{}",
            400,
        ),
        ({"Authorization": SIGNED.format(service="lambda")}, b"", 404),
    ],
)
def test_bad_requests_get_aws_errors(
    local_cloud: CloudInfo, headers: dict[str, str], body: bytes, status: int
) -> None:
    got, payload = _send(local_cloud, "POST", "/nowhere/at/all", body, headers)
    assert 400 <= got < 600
    assert payload, "an error explains itself"
    assert _send(local_cloud, "GET", "/_squall/health")[0] == 200


def test_unknown_service_names_itself(local_cloud: CloudInfo) -> None:
    status, payload = _send(
        local_cloud, "POST", "/", b"{}", {"Authorization": SIGNED.format(service="kinesis")}
    )
    assert status == 400
    assert "does not serve the 'kinesis' API" in json.loads(payload)["message"]


def test_garbage_bytes_do_not_kill_the_daemon(local_cloud: CloudInfo, aws_client: ClientFactory) -> None:
    with socket.create_connection(("127.0.0.1", local_cloud.port), timeout=5) as raw:
        raw.sendall(b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
        raw.recv(1024)
    with socket.create_connection(("127.0.0.1", local_cloud.port), timeout=5) as raw:
        raw.sendall(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort")
    assert aws_client("sts").get_caller_identity()["Account"] == "123456789012"
