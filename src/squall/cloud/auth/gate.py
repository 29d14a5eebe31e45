"""The local cloud's front door: every request to its AWS endpoint and to squall's own endpoints passes.

In order:

1. ``Host`` must name loopback with the endpoint's port (``hosts.py``): a page that had its own name
   resolve to 127.0.0.1 (DNS rebinding) is refused.
2. A request a web page sent (it carries ``Origin``, or ``Sec-Fetch-Site: cross-site``) is refused unless
   that origin is allowed: for S3 by the bucket's CORS configuration (``cors.py``, preflights answered
   here as S3 does), for other services by ``$SQUALL_CLOUD_ALLOWED_ORIGINS`` (none by default); squall's
   own endpoints never. A signed cross-site GET or HEAD of S3 without ``Origin`` (an ``<img>`` or a link
   to a presigned URL) is let through, as S3 serves it, since the page cannot read the answer.
3. The signature (``verify.py``), whose credential scope must name the service asked. squall's own
   endpoints take only the home's key (the account's root), signed for the ``squall`` service. The few
   requests AWS serves unsigned (Cognito's end-user operations, a pool's public keys: ``unsigned.py``)
   pass as ``anonymous``.

Every answer of the AWS endpoint carries ``Content-Security-Policy: sandbox`` and ``nosniff``: nothing the
local cloud serves (an S3 object above all) runs as active content on its origin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import unquote

from squall.cloud.auth import cors
from squall.cloud.auth.errors import json_error, refusal, s3_error
from squall.cloud.auth.failures import AuthFailure
from squall.cloud.auth.hosts import is_loopback_host
from squall.cloud.auth.keyring import Principal
from squall.cloud.auth.unsigned import ANONYMOUS, may_be_unsigned
from squall.cloud.auth.verify import Incoming, Verifier
from squall.cloud.plugins import CloudResponse

INTERNAL_SIGNING_NAME = "squall"
SECURITY_HEADERS = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}
_EXPOSED = "x-amzn-requestid, x-amzn-errortype, x-amz-request-id, x-amz-id-2, etag, x-amz-version-id"
_SIMPLE_READS = frozenset({"GET", "HEAD"})

# moto backend name -> the signing name its credential scope must carry
_SIGNING_NAMES = {
    "awslambda": "lambda",
    "dynamodbstreams": "dynamodb",
    "apigatewayv2": "apigateway",
    "cognitoidp": "cognito-idp",
}

CorsRules = Callable[[str], Sequence[cors.CorsRule] | None]


@dataclass(frozen=True)
class Admitted:
    """A request let in: who signed it, and what the service sees of it."""

    principal: Principal
    region: str
    body: bytes
    headers: Mapping[str, str]
    cors: Mapping[str, str]
    """CORS headers for the answer (empty unless an allowed page asked)."""


class Gate:
    def __init__(
        self,
        verifier: Verifier,
        port: int,
        cors_rules: CorsRules,
        allowed_origins: frozenset[str] = frozenset(),
    ) -> None:
        self.verifier = verifier
        self.port = port
        self._cors_rules = cors_rules
        self._allowed_origins = allowed_origins

    def host_refusal(self, headers: Mapping[str, str], service: str) -> CloudResponse | None:
        host = headers.get("host")
        if is_loopback_host(host, self.port):
            return None
        message = (
            f"the local cloud answers requests for 127.0.0.1:{self.port}, localhost:{self.port} or "
            f"[::1]:{self.port} only, not Host {host!r} (a web page using another name for this machine "
            "is refused)"
        )
        if service == "s3":
            return s3_error(400, "InvalidHostHeader", message)
        return refusal(AuthFailure("malformed", message), service, headers)

    @staticmethod
    def from_page(headers: Mapping[str, str]) -> bool:
        return "origin" in headers or headers.get("sec-fetch-site") == "cross-site"

    def internal(self, request: Incoming) -> Admitted | CloudResponse:
        """squall's own endpoints: never from a page, only the home's key."""
        if self.from_page(request.headers):
            return json_error(403, "AccessDeniedException", "squall's own endpoints do not answer web pages")
        try:
            verified = self.verifier.verify(request, s3=False)
        except AuthFailure as failure:  # in the JSON services' words, with 403: squall's endpoints are no API
            return replace(refusal(failure, INTERNAL_SIGNING_NAME, request.headers), status=403)
        if verified.service != INTERNAL_SIGNING_NAME or not verified.principal.is_root:
            return json_error(
                403,
                "AccessDeniedException",
                "squall's own endpoints take only the local cloud's own credentials, signed for 'squall'",
            )
        return Admitted(verified.principal, verified.region, verified.body, verified.headers, {})

    def admit(self, request: Incoming, service: str) -> Admitted | CloudResponse:
        headers = request.headers
        origin = headers.get("origin")
        allowed: dict[str, str] = {}
        if service == "s3":
            if origin is not None:
                rules = self._cors_rules(_bucket(request.path))
                if request.method == "OPTIONS":
                    return cors.preflight(rules, headers)
                rule = cors.first_match(rules or (), origin, request.method)
                if rule is None:
                    return s3_error(
                        403,
                        "AccessForbidden",
                        cors.NOT_ALLOWED if rules else cors.NOT_ENABLED,
                        {"Method": request.method, "ResourceType": "OBJECT"},
                    )
                allowed = rule.headers(origin)
            elif headers.get("sec-fetch-site") == "cross-site" and request.method not in _SIMPLE_READS:
                return refusal(AuthFailure("forbidden", "Access Denied"), service, headers)
        elif self.from_page(headers):
            if origin is None or origin not in self._allowed_origins:
                return refusal(
                    AuthFailure(
                        "forbidden",
                        f"the local cloud does not answer web pages from {origin or 'another site'} "
                        "(allow an origin with SQUALL_CLOUD_ALLOWED_ORIGINS)",
                    ),
                    service,
                    headers,
                )
            allowed = {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Expose-Headers": _EXPOSED,
                "Vary": "Origin",
            }
            if request.method == "OPTIONS":
                return _preflight(allowed, headers)
        if may_be_unsigned(service, request.method, request.path, headers):
            return Admitted(ANONYMOUS, "us-east-1", request.body, headers, allowed)
        try:
            verified = self.verifier.verify(request, s3=service == "s3")
            expected = _SIGNING_NAMES.get(service, service)
            if verified.service != expected:
                raise AuthFailure(
                    "malformed", f"Credential should be scoped to correct service: '{expected}'."
                )
        except AuthFailure as failure:
            return with_headers(refusal(failure, service, headers), allowed)
        return Admitted(verified.principal, verified.region, verified.body, verified.headers, allowed)


def with_headers(response: CloudResponse, extra: Mapping[str, str]) -> CloudResponse:
    """``response`` with the security headers and ``extra`` added."""
    return replace(response, headers={**response.headers, **SECURITY_HEADERS, **extra})


def _preflight(allowed: Mapping[str, str], headers: Mapping[str, str]) -> CloudResponse:
    asked = cors.requested_headers(headers)
    out = {
        **allowed,
        "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, DELETE, PATCH",
        "Access-Control-Max-Age": "600",
    }
    if asked:
        out["Access-Control-Allow-Headers"] = ", ".join(asked)
    return CloudResponse(200, out)


def _bucket(path: str) -> str:
    return unquote(path.lstrip("/").partition("/")[0])
