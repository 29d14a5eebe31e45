"""S3's CORS, evaluated as S3 does it ("Using cross-origin resource sharing", "How does Amazon S3
evaluate the CORS configuration on a bucket?").

The first rule whose ``AllowedOrigins`` match the request's ``Origin`` (one ``*`` wildcard allowed),
whose ``AllowedMethods`` hold the method (a preflight's ``Access-Control-Request-Method``) and whose
``AllowedHeaders`` cover every header a preflight asks for, answers. A preflight is answered here,
without a signature, as on S3; the actual request then carries the rule's CORS headers. No rule, no CORS:
the local cloud refuses the request (a browser would hide S3's answer from the page anyway).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from squall.cloud.auth.errors import s3_error
from squall.cloud.plugins import CloudContext, CloudResponse

NOT_ENABLED = "CORSResponse: CORS is not enabled for this bucket."
NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
    "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted "
    "by the resource's CORS spec."
)
_VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


@dataclass(frozen=True)
class CorsRule:
    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int | None = None

    def allows(self, origin: str, method: str, request_headers: Sequence[str]) -> bool:
        return (
            method in self.allowed_methods
            and any(_wildcard(pattern).fullmatch(origin) for pattern in self.allowed_origins)
            and all(
                any(_wildcard(pattern.lower()).fullmatch(header) for pattern in self.allowed_headers)
                for header in request_headers
            )
        )

    def headers(self, origin: str, request_headers: Sequence[str] = ()) -> dict[str, str]:
        """The CORS headers S3 adds to an answer this rule allowed."""
        wildcard = "*" in self.allowed_origins
        headers = {
            "Access-Control-Allow-Origin": "*" if wildcard else origin,
            "Access-Control-Allow-Methods": ", ".join(self.allowed_methods),
            "Vary": _VARY,
        }
        if not wildcard:
            headers["Access-Control-Allow-Credentials"] = "true"
        if request_headers:
            headers["Access-Control-Allow-Headers"] = ", ".join(request_headers)
        if self.expose_headers:
            headers["Access-Control-Expose-Headers"] = ", ".join(self.expose_headers)
        if self.max_age_seconds is not None:
            headers["Access-Control-Max-Age"] = str(self.max_age_seconds)
        return headers


def first_match(
    rules: Sequence[CorsRule], origin: str, method: str, request_headers: Sequence[str] = ()
) -> CorsRule | None:
    return next((rule for rule in rules if rule.allows(origin, method, request_headers)), None)


def requested_headers(headers: Mapping[str, str]) -> list[str]:
    raw = headers.get("access-control-request-headers", "")
    return [name.strip().lower() for name in raw.split(",") if name.strip()]


def preflight(rules: Sequence[CorsRule] | None, headers: Mapping[str, str]) -> CloudResponse:
    """S3's answer to an ``OPTIONS`` preflight for an object or bucket."""
    origin = headers.get("origin")
    method = headers.get("access-control-request-method")
    if not origin:
        return s3_error(400, "BadRequest", "Insufficient information. Origin request header needed.")
    if not method:
        return s3_error(400, "BadRequest", "Invalid Access-Control-Request-Method: null")
    if not rules:
        return s3_error(403, "AccessForbidden", NOT_ENABLED, {"Method": method, "ResourceType": "OBJECT"})
    asked = requested_headers(headers)
    rule = first_match(rules, origin, method, asked)
    if rule is None:
        return s3_error(403, "AccessForbidden", NOT_ALLOWED, {"Method": method, "ResourceType": "OBJECT"})
    return CloudResponse(200, {**rule.headers(origin, asked), "Content-Length": "0"})


def bucket_rules(ctx: CloudContext, bucket: str) -> list[CorsRule] | None:
    """The bucket's CORS rules (None when it has none, or no such bucket), read under the state lock."""
    if not bucket:
        return None
    with ctx.locked():
        backend = ctx.backend("s3", "us-east-1")
        found = backend.buckets.get(bucket)
        if found is None or not found.cors:
            return None
        return [
            CorsRule(
                allowed_origins=tuple(rule.allowed_origins or ()),
                allowed_methods=tuple(m.upper() for m in rule.allowed_methods or ()),
                allowed_headers=tuple(rule.allowed_headers or ()),
                expose_headers=tuple(rule.exposed_headers or ()),
                max_age_seconds=int(rule.max_age_seconds) if rule.max_age_seconds is not None else None,
            )
            for rule in found.cors
        ]


@lru_cache(maxsize=256)
def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
