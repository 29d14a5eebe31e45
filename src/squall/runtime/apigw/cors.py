"""CORS as an HTTP API with a CORS configuration applies it.

API Gateway answers preflight requests (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``)
itself, with a 204, whether or not an ``OPTIONS`` route exists; the CORS headers are only present when the
origin (and requested method) are allowed. On other responses it adds ``access-control-allow-origin``,
``access-control-expose-headers`` and ``access-control-allow-credentials`` for an allowed origin, and drops
any CORS header the integration returned ("API Gateway ignores CORS headers returned from your backend
integration"). An allowed origin may contain ``*`` as a wildcard (``https://*.example.com``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from squall.runtime.apigw.response import HttpResponse


@dataclass(frozen=True)
class CorsConfig:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @cached_property
    def _origin_patterns(self) -> list[re.Pattern[str]]:
        return [
            re.compile("^" + ".*".join(re.escape(p) for p in origin.split("*")) + "$", re.IGNORECASE)
            for origin in self.allow_origins
            if origin != "*"
        ]

    def allowed_origin(self, origin: str | None) -> str | None:
        """The ``access-control-allow-origin`` value for a request from ``origin``, or None."""
        if not origin:
            return None
        if "*" in self.allow_origins:
            return "*"
        if any(p.match(origin) for p in self._origin_patterns):
            return origin
        return None

    def method_allowed(self, method: str) -> bool:
        upper = method.upper()
        return any(m == "*" or m.upper() == upper for m in self.allow_methods)


def _get(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def is_preflight(method: str, headers: Sequence[tuple[str, str]]) -> bool:
    return (
        method.upper() == "OPTIONS"
        and _get(headers, "origin") is not None
        and _get(headers, "access-control-request-method") is not None
    )


def preflight_response(cors: CorsConfig, headers: Sequence[tuple[str, str]]) -> HttpResponse:
    """API Gateway's own answer to a preflight request."""
    origin = cors.allowed_origin(_get(headers, "origin"))
    requested = _get(headers, "access-control-request-method") or ""
    if origin is None or not cors.method_allowed(requested):
        return HttpResponse(204)
    out = [("access-control-allow-origin", origin)]
    if cors.allow_credentials:
        out.append(("access-control-allow-credentials", "true"))
    out.append(
        ("access-control-allow-methods", ",".join(m.upper() if m != "*" else m for m in cors.allow_methods))
    )
    if cors.allow_headers:
        if "*" in cors.allow_headers:
            value = _get(headers, "access-control-request-headers") or "*"
        else:
            value = ",".join(h.lower() for h in cors.allow_headers)
        out.append(("access-control-allow-headers", value))
    if cors.max_age is not None:
        out.append(("access-control-max-age", str(cors.max_age)))
    return HttpResponse(204, out)


def apply_cors(
    cors: CorsConfig, request_headers: Sequence[tuple[str, str]], response: HttpResponse
) -> HttpResponse:
    """``response`` with the integration's CORS headers replaced by the configured ones."""
    kept = [(k, v) for k, v in response.headers if not k.lower().startswith("access-control-")]
    origin = cors.allowed_origin(_get(request_headers, "origin"))
    if origin is not None:
        kept.append(("access-control-allow-origin", origin))
        if cors.allow_credentials:
            kept.append(("access-control-allow-credentials", "true"))
        if cors.expose_headers:
            kept.append(("access-control-expose-headers", ",".join(h.lower() for h in cors.expose_headers)))
    return replace(response, headers=kept)
