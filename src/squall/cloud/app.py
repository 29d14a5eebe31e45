"""The WSGI application: HTTP in, ``LocalCloud.handle``, HTTP out.

Besides the AWS APIs it answers ``GET /_squall/health`` (no AWS path starts with ``/_squall``: S3
bucket names cannot contain an underscore) with the daemon's identity, which is how ``status``
knows the process on the port is the one in the pid file. Nothing a request does can take the
server down: unexpected exceptions become AWS-style ``InternalFailure`` responses.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from squall.cloud.core import LocalCloud
from squall.cloud.operations import UnknownService, identify
from squall.cloud.plugins import CloudRequest, CloudResponse

log = logging.getLogger(__name__)

RAW_HEADERS = "squall.raw_headers"
HEALTH_PATH = "/_squall/health"
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "server", "date", "status"})

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class CloudApp:
    def __init__(self, cloud: LocalCloud, identity: dict[str, Any]) -> None:
        self.cloud = cloud
        self.identity = identity

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            response = self._respond(environ)
        except Exception as exc:
            log.exception("request failed")
            response = CloudResponse.aws_error(500, "InternalFailure", f"the local cloud failed: {exc}")
        return _send(environ, start_response, response)

    def _respond(self, environ: dict[str, Any]) -> CloudResponse:
        path = _raw_path(environ)
        if path == HEALTH_PATH:
            return CloudResponse.json(200, {**self.identity, "pid": os.getpid()})
        request = self._request(environ, path)
        if isinstance(request, CloudResponse):
            return request
        return self.cloud.handle(request)

    def _request(self, environ: dict[str, Any], path: str) -> CloudRequest | CloudResponse:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        query = str(environ.get("QUERY_STRING", ""))
        headers = _headers(environ)
        body = _body(environ)
        try:
            target = identify(method, path, query, headers, body)
        except UnknownService as exc:
            return CloudResponse.aws_error(
                400, "UnrecognizedClientException", f"the squall local cloud does not serve the '{exc}' API"
            )
        host = (
            headers.get("host") or f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT')}"
        )
        return CloudRequest(
            target.service, target.operation, method, path, query, headers, body, target.region, host
        )


def _raw_path(environ: dict[str, Any]) -> str:
    raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
    if raw:
        path = raw.split("?", 1)[0]
        if "://" in path:
            path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
        return path or "/"
    return str(environ.get("PATH_INFO") or "/")


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    raw: list[tuple[str, str]] | None = environ.get(RAW_HEADERS)
    headers: dict[str, str] = {}
    if raw is None:
        raw = [(k[5:].replace("_", "-"), v) for k, v in environ.items() if k.startswith("HTTP_")]
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                raw.append((key.replace("_", "-"), environ[key]))
    for name, value in raw:
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return headers


def _body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        return bytes(stream.read(int(length)))
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    return b""


def _send(environ: dict[str, Any], start_response: StartResponse, response: CloudResponse) -> Iterable[bytes]:
    head = environ.get("REQUEST_METHOD") == "HEAD"
    headers: list[tuple[str, str]] = []
    has_length = False
    for name, value in response.headers.items():
        lower = name.lower()
        if lower in _HOP_BY_HOP:
            continue
        if lower == "content-length":
            if not head:
                continue
            has_length = True
        headers.append((name, value))
    if not head or not has_length:
        headers.append(("Content-Length", str(len(response.body))))
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    start_response(f"{response.status} {reason}", headers)
    return [] if head else [response.body]


def health_document(raw: bytes) -> dict[str, Any]:
    document = json.loads(raw)
    if not isinstance(document, dict):
        raise ValueError("not a health document")
    return document
