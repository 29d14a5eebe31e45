"""Why a request was refused, independent of how each service words it (``errors.py`` does that)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Kind = Literal[
    "missing",  # no signature at all
    "malformed",  # an Authorization header or presigned query that cannot be parsed
    "unsupported",  # another signing scheme (SigV2, SigV4a)
    "unknown_key",  # no such access key
    "bad_token",  # a session key without its token, or with the wrong one
    "expired_token",  # a role session past its expiry
    "signature",  # the signature does not match
    "skewed",  # the request's time is more than 15 minutes away from now
    "expired",  # a presigned URL past its X-Amz-Expires
    "not_yet_valid",  # a presigned URL dated more than 15 minutes ahead
    "content_sha256",  # the body's SHA-256 is not the signed one
    "missing_content_sha256",  # S3 without x-amz-content-sha256
    "bad_content_sha256",  # an x-amz-content-sha256 that is no hash and no known marker
    "incomplete_body",  # an aws-chunked body that is cut short or malformed
    "policy",  # a POST policy that is expired or whose conditions do not hold
    "forbidden",  # the principal may not call this (squall's own endpoints)
]


class AuthFailure(Exception):
    """A request the verifier refuses; ``detail`` completes the service's message where AWS does."""

    def __init__(self, kind: Kind, detail: str = "", extra: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind: Kind = kind
        self.detail = detail
        self.extra: Mapping[str, str] = extra or {}
