"""From a parsed HTTP request to ``LocalCloud.handle`` and back, through the front door.

Every request passes the gate (``auth/gate.py``): loopback ``Host``, no web page unless CORS allows it,
a valid signature. The verified principal rides on the ``CloudRequest``. A request signed by a role
session (a function's) is then authorised by IAM (``iam/enforcer.py``) before any service sees it.

Besides the AWS APIs it answers ``GET /_squall/health`` (no AWS path starts with ``/_squall``: S3
bucket names cannot contain an underscore) with the daemon's pid, port and start time, which is how
``status`` knows the process on the port is the one in the pid file; it needs no signature and tells
nothing else. squall's own endpoints (paths plugins claim, such as the dev live link) need the home's
own key. Nothing a request does can take the server down: unexpected exceptions become AWS-style
``InternalFailure`` responses.

A body the HTTP server streamed to disk goes on as a file only to the operations that store it as
an object's value (``STREAMED``; the signature is checked against the SHA-256 taken while it was
streamed); any other request gets it read back into memory.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from typing import Any

from squall.cloud.auth import chunked
from squall.cloud.auth.errors import refusal
from squall.cloud.auth.failures import AuthFailure
from squall.cloud.auth.gate import Admitted, Gate, with_headers
from squall.cloud.auth.verify import Incoming
from squall.cloud.bodies import StreamedBody
from squall.cloud.core import LocalCloud
from squall.cloud.iam.enforcer import Enforcer
from squall.cloud.operations import SERVICES, UnknownService, operation_of, service_of
from squall.cloud.plugins import CloudRequest, CloudResponse

log = logging.getLogger(__name__)

HEALTH_PATH = "/_squall/health"
_KNOWN = frozenset(SERVICES)
# PutObject and CopyObject share a route (only the x-amz-copy-source header tells them apart)
STREAMED = frozenset({"PutObject", "CopyObject", "UploadPart"})


class CloudApp:
    """Turns one parsed HTTP request into a ``CloudResponse``; never raises."""

    def __init__(
        self, cloud: LocalCloud, identity: dict[str, Any], gate: Gate, enforcer: Enforcer | None = None
    ) -> None:
        self.cloud = cloud
        self.identity = identity
        self.gate = gate
        self.enforcer = enforcer

    def respond(
        self,
        method: str,
        target: str,
        raw_headers: list[tuple[str, str]],
        body: bytes | StreamedBody,
        host: str,
    ) -> CloudResponse:
        try:
            return with_headers(self._respond(method, target, raw_headers, body, host), {})
        except Exception as exc:
            log.exception("request failed")
            failed = CloudResponse.aws_error(500, "InternalFailure", f"the local cloud failed: {exc}")
            return with_headers(failed, {})
        finally:
            if isinstance(body, StreamedBody):
                self.cloud.store.bodies.abandon(body.ref.name)

    def chunk_chain(
        self, method: str, target: str, raw_headers: list[tuple[str, str]]
    ) -> chunked.Chain | CloudResponse:
        """For an aws-chunked S3 upload, before its body is read: the chain its chunk signatures continue,
        or S3's refusal when its headers' signature does not hold."""
        path, query = _split(target)
        headers = _headers(raw_headers)
        try:
            return self.gate.verifier.chain(Incoming(method, path, query, raw_headers, headers, b""))
        except AuthFailure as failure:
            return refusal(failure, "s3", headers)

    def _respond(
        self,
        method: str,
        target: str,
        raw_headers: list[tuple[str, str]],
        body: bytes | StreamedBody,
        host: str,
    ) -> CloudResponse:
        stream = body if isinstance(body, StreamedBody) else None
        unchunked = stream if stream is not None and stream.unchunked else None
        absolute = "://" in target.partition("?")[0]
        path, query = _split(target)
        headers = _headers(raw_headers)
        try:
            service, _ = service_of(path, query, headers)
        except UnknownService as exc:
            service = str(exc)
        if stream is not None and not (
            not absolute
            and service == "s3"
            and method == "PUT"
            and "x-amz-copy-source" not in headers
            and operation_of(service, method, path, query, headers, b"") in STREAMED
        ):
            body, stream = stream.read_bytes(), None
        refused = self.gate.host_refusal(headers, service)
        if refused is not None:
            return refused
        if path == HEALTH_PATH:
            if self.gate.from_page(headers):
                return CloudResponse.aws_error(403, "AccessDeniedException", "not for web pages")
            return CloudResponse.json(200, {**self.identity, "pid": os.getpid()})
        incoming = (
            Incoming(method, path, query, raw_headers, headers, b"", stream.sha256)
            if stream is not None
            else Incoming(method, path, query, raw_headers, headers, body if isinstance(body, bytes) else b"")
        )
        if (
            unchunked is not None
        ):  # decoded on its way in, each chunk's signature checked (``aws_chunked.py``)
            payload = body if stream is None and isinstance(body, bytes) else b""
            decoded = chunked.Decoded(payload, dict(unchunked.trailers), unchunked.size)
            incoming = replace(incoming, body=payload, body_sha256=None, unchunked=decoded)
        claimed = self.cloud.registry.path_handler(path)
        if claimed is not None:  # squall's own endpoints (e.g. the dev live link) are not AWS APIs
            admitted = self.gate.internal(incoming)
            if isinstance(admitted, CloudResponse):
                return admitted
            own = CloudRequest(
                "squall",
                None,
                method,
                path,
                query,
                admitted.headers,
                admitted.body,
                admitted.region,
                headers.get("host") or host,
                principal=admitted.principal,
            )
            return claimed(own, self.cloud)
        if service not in _KNOWN:
            return CloudResponse.aws_error(
                400,
                "UnrecognizedClientException",
                f"the squall local cloud does not serve the '{service}' API",
            )
        admitted = self.gate.admit(incoming, service)
        if isinstance(admitted, CloudResponse):
            return admitted
        return with_headers(self._serve(incoming, service, admitted, host, stream), admitted.cors)

    def _serve(
        self, incoming: Incoming, service: str, admitted: Admitted, host: str, stream: StreamedBody | None
    ) -> CloudResponse:
        operation = operation_of(
            service, incoming.method, incoming.path, incoming.query, admitted.headers, admitted.body
        )
        if self.enforcer is not None:
            denied = self.enforcer.check(
                admitted.principal,
                service,
                operation,
                incoming.method,
                incoming.path,
                incoming.query,
                admitted.headers,
                admitted.body,
                admitted.region,
            )
            if denied is not None:
                return denied
        request = CloudRequest(
            service,
            operation,
            incoming.method,
            incoming.path,
            incoming.query,
            admitted.headers,
            admitted.body,
            admitted.region,
            incoming.headers.get("host") or host,
            stream=stream,
            principal=admitted.principal,
        )
        response = self.cloud.handle(request, stream_response=service == "s3" and incoming.method == "GET")
        if admitted.cors:
            # the gate's CORS answer replaces whatever moto made of the Origin header
            kept = {k: v for k, v in response.headers.items() if not k.lower().startswith("access-control-")}
            response = replace(response, headers=kept)
        return response


def _split(target: str) -> tuple[str, str]:
    """The path (of an absolute URI too) and the query of a request target."""
    path, _, query = target.partition("?")
    if "://" in path:
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return path, query


def _headers(raw: list[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return headers
