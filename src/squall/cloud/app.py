"""From a parsed HTTP request to ``LocalCloud.handle`` and back.

Besides the AWS APIs it answers ``GET /_squall/health`` (no AWS path starts with ``/_squall``: S3
bucket names cannot contain an underscore) with the daemon's identity, which is how ``status``
knows the process on the port is the one in the pid file. Nothing a request does can take the
server down: unexpected exceptions become AWS-style ``InternalFailure`` responses.

A body the HTTP server streamed to disk goes on as a file only to the operations that store it as
an object's value (``STREAMED``); any other request gets it read back into memory.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from squall.cloud.bodies import StreamedBody
from squall.cloud.core import LocalCloud
from squall.cloud.operations import UnknownService, identify
from squall.cloud.plugins import CloudRequest, CloudResponse

log = logging.getLogger(__name__)

HEALTH_PATH = "/_squall/health"
# PutObject and CopyObject share a route (only the x-amz-copy-source header tells them apart)
STREAMED = frozenset({("s3", "PutObject"), ("s3", "CopyObject"), ("s3", "UploadPart")})


class CloudApp:
    """Turns one parsed HTTP request into a ``CloudResponse``; never raises."""

    def __init__(self, cloud: LocalCloud, identity: dict[str, Any]) -> None:
        self.cloud = cloud
        self.identity = identity

    def respond(
        self,
        method: str,
        target: str,
        raw_headers: list[tuple[str, str]],
        body: bytes | StreamedBody,
        host: str,
    ) -> CloudResponse:
        if not isinstance(body, StreamedBody):
            return self._respond(method, target, raw_headers, body, host, None)
        stream = body
        try:
            path, _, query = target.partition("?")
            try:
                found = identify(method, path, query, _headers(raw_headers), b"")  # REST: no body needed
            except UnknownService:
                found = None
            headers = _headers(raw_headers)
            stores_body = (
                found is not None
                and (found.service, found.operation) in STREAMED
                and method == "PUT"
                and "x-amz-copy-source" not in headers
            )
            if stores_body and "://" not in path:
                return self._respond(method, target, raw_headers, b"", host, stream)
            return self._respond(method, target, raw_headers, stream.read_bytes(), host, None)
        finally:
            self.cloud.store.bodies.abandon(stream.ref.name)

    def _respond(
        self,
        method: str,
        target: str,
        raw_headers: list[tuple[str, str]],
        body: bytes,
        host: str,
        stream: StreamedBody | None,
    ) -> CloudResponse:
        try:
            path, _, query = target.partition("?")
            if "://" in path:
                path = "/" + path.split("://", 1)[1].partition("/")[2]
            if path == HEALTH_PATH:
                return CloudResponse.json(200, {**self.identity, "pid": os.getpid()})
            headers = _headers(raw_headers)
            claimed = self.cloud.registry.path_handler(path)
            if claimed is not None:  # squall's own endpoints (e.g. the dev live link) are not AWS APIs
                own = CloudRequest("squall", None, method, path, query, headers, body, "us-east-1", host)
                return claimed(own, self.cloud)
            try:
                found = identify(method, path, query, headers, body)
            except UnknownService as exc:
                return CloudResponse.aws_error(
                    400,
                    "UnrecognizedClientException",
                    f"the squall local cloud does not serve the '{exc}' API",
                )
            request = CloudRequest(
                found.service,
                found.operation,
                method,
                path,
                query,
                headers,
                body,
                found.region,
                headers.get("host") or host,
                stream,
            )
            return self.cloud.handle(request, stream_response=found.service == "s3" and method == "GET")
        except Exception as exc:
            log.exception("request failed")
            return CloudResponse.aws_error(500, "InternalFailure", f"the local cloud failed: {exc}")


def _headers(raw: list[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return headers
