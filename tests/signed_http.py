"""Raw HTTP requests to a local cloud, signed with SigV4 exactly as botocore signs its own.

For tests that must send what no SDK would (broken JSON, unknown operations, hostile nesting): the
request is built by hand, then signed with botocore's ``SigV4Auth`` and the credentials of the test's
boto3 session, so it is refused for its content and never for a missing signature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http.client import HTTPConnection
from typing import Any
from xml.etree import ElementTree

import boto3
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest

from squall.cloud import CloudInfo


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]  # names in lowercase
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> str:
        """The error code as botocore reads it, whatever the protocol."""
        if "x-amzn-query-error" in self.headers:
            return self.headers["x-amzn-query-error"].split(";")[0]
        if "x-amzn-errortype" in self.headers:
            return self.headers["x-amzn-errortype"].split(":")[0]
        if self.body.lstrip().startswith(b"<"):
            found = ElementTree.fromstring(self.body).find(".//{*}Code")
            return (found.text or "") if found is not None else ""
        return str(self.json().get("__type", "")).rsplit("#", 1)[-1]

    @property
    def message(self) -> str:
        if self.body.lstrip().startswith(b"<"):
            found = ElementTree.fromstring(self.body).find(".//{*}Message")
            return (found.text or "") if found is not None else ""
        document = self.json()
        return str(document.get("message", document.get("Message", "")))


class SignedClient:
    """Sends signed raw requests to one local cloud with one session's credentials."""

    def __init__(self, cloud: CloudInfo, session: boto3.Session) -> None:
        self.cloud = cloud
        self.session = session

    def send(
        self,
        service: str,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        query: str = "",
    ) -> RawResponse:
        """``service`` is the signing name (``dynamodb``, ``lambda``, ``s3``...)."""
        target = path + (f"?{query}" if query else "")
        request = AWSRequest(
            method=method, url=f"{self.cloud.endpoint}{target}", data=body, headers=dict(headers or {})
        )
        credentials = self.session.get_credentials()
        assert credentials is not None
        signer = S3SigV4Auth if service == "s3" else SigV4Auth  # S3 also signs the payload's hash header
        signer(credentials, service, self.session.region_name or "us-east-1").add_auth(request)
        connection = HTTPConnection("127.0.0.1", self.cloud.port, timeout=60)
        try:
            connection.request(method, target, body=body, headers=dict(request.headers.items()))
            response = connection.getresponse()
            return RawResponse(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            connection.close()

    def json(self, service: str, target: str, body: bytes | Any, version: str = "1.0") -> RawResponse:
        """A JSON-protocol call: ``target`` is the X-Amz-Target (``DynamoDB_20120810.PutItem``)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"X-Amz-Target": target, "Content-Type": f"application/x-amz-json-{version}"}
        return self.send(service, "POST", "/", data, headers)

    def query(self, service: str, body: str) -> RawResponse:
        """A query-protocol call (SNS, IAM, STS, SQS's older protocol): ``body`` is the form."""
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        return self.send(service, "POST", "/", body.encode(), headers)
