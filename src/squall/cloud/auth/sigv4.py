"""Signature Version 4, as AWS computes it: canonical request, string to sign, signing key, signature.

Pure functions over strings, shared by the verifier (``verify.py``) and by squall's own signed calls (the
live link). They follow AWS's "Create a signed AWS API request" and botocore's ``SigV4Auth``, which the
unit tests cross-check them against:

- the canonical URI is the path as sent, normalized (dot segments removed) and percent-encoded once
  more, except for S3, which signs the path exactly as sent;
- the canonical query string decodes each name and value and encodes it again strictly (only
  ``A-Za-z0-9-_.~`` stay as they are), sorted by name, then value;
- each signed header's values are trimmed, inner runs of spaces collapsed, and joined with commas.

Signing keys depend only on (secret, date, region, service), so they are cached: a request costs two
SHA-256s and one HMAC, a few microseconds.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from urllib.parse import quote, unquote_to_bytes

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_RESERVED = re.compile(r"[^A-Za-z0-9\-_.~]")


@lru_cache(maxsize=1024)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """``kSigning`` for a credential scope (``date`` is ``YYYYMMDD``)."""
    key = hmac.digest(f"AWS4{secret}".encode(), date.encode(), "sha256")
    key = hmac.digest(key, region.encode(), "sha256")
    key = hmac.digest(key, service.encode(), "sha256")
    return hmac.digest(key, b"aws4_request", "sha256")


def scope(date: str, region: str, service: str) -> str:
    return f"{date}/{region}/{service}/aws4_request"


def canonical_uri(path: str, *, s3: bool) -> str:
    if s3:
        return path or "/"
    return quote(_remove_dot_segments(path), safe="/~")


def canonical_query(query: str, *, skip: str = "") -> str:
    """The canonical query string of a raw (still percent-encoded) query; ``skip`` drops one parameter."""
    if not query:
        return ""
    pairs: list[tuple[str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if name == skip:
            continue
        pairs.append((_strict(name), _strict(value)))
    pairs.sort()
    return "&".join(f"{name}={value}" for name, value in pairs)


def canonical_headers(raw_headers: Iterable[tuple[str, str]], signed: Sequence[str]) -> str:
    """``name:value\\n`` for each signed header, from the request's headers as received (any case)."""
    wanted = set(signed)
    values: dict[str, list[str]] = {}
    for name, value in raw_headers:
        lower = name.lower()
        if lower in wanted:
            values.setdefault(lower, []).append(" ".join(value.split()))
    return "".join(f"{name}:{','.join(values.get(name, ()))}\n" for name in signed)


def canonical_request(
    method: str,
    uri: str,
    query: str,
    headers: str,
    signed_headers: str,
    payload_hash: str,
) -> str:
    return f"{method}\n{uri}\n{query}\n{headers}\n{signed_headers}\n{payload_hash}"


def string_to_sign(timestamp: str, credential_scope: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{credential_scope}\n{digest}"


def signature(key: bytes, text: str) -> str:
    return hmac.digest(key, text.encode("utf-8"), "sha256").hex()


def same(expected: str, given: str) -> bool:
    """Constant-time comparison of two signatures."""
    return hmac.compare_digest(expected.encode(), given.encode())


def parse_timestamp(text: str) -> float | None:
    """Seconds since the epoch for an ISO-8601 basic timestamp (``20240102T030405Z``); None if malformed."""
    if len(text) != 16 or text[8] != "T" or text[15] != "Z" or not (text[:8] + text[9:15]).isdigit():
        return None
    try:
        fields = (int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]), int(text[11:13]))
        seconds = int(text[13:15])
        if not (1 <= fields[1] <= 12 and 1 <= fields[2] <= 31 and fields[3] < 24 and fields[4] < 60):
            return None
        return float(calendar.timegm((*fields, min(seconds, 59), 0, 0, 0)))
    except ValueError:
        return None


def format_timestamp(seconds: float) -> str:
    import time

    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(seconds))


def sign_headers(
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    access_key_id: str,
    secret_access_key: str,
    region: str,
    service: str,
    now: float,
    session_token: str | None = None,
) -> dict[str, str]:
    """The headers to add to a request so that it is signed (``Authorization``, ``X-Amz-Date``, ...).

    ``headers`` must include ``host``; every header given is signed.
    """
    timestamp = format_timestamp(now)
    payload_hash = hashlib.sha256(body).hexdigest()
    added = {"x-amz-date": timestamp, "x-amz-content-sha256": payload_hash}
    if session_token:
        added["x-amz-security-token"] = session_token
    everything = [(name.lower(), value) for name, value in headers.items()] + list(added.items())
    signed = sorted({name for name, _ in everything})
    date = timestamp[:8]
    credential_scope = scope(date, region, service)
    canonical = canonical_request(
        method,
        canonical_uri(path, s3=service == "s3"),
        canonical_query(query),
        canonical_headers(everything, signed),
        ";".join(signed),
        payload_hash,
    )
    text = string_to_sign(timestamp, credential_scope, canonical)
    value = signature(signing_key(secret_access_key, date, region, service), text)
    added["authorization"] = (
        f"{ALGORITHM} Credential={access_key_id}/{credential_scope}, "
        f"SignedHeaders={';'.join(signed)}, Signature={value}"
    )
    return added


@lru_cache(maxsize=4096)
def _strict(raw: str) -> str:
    if _RESERVED.search(raw) is None:
        return raw
    return quote(unquote_to_bytes(raw), safe="-_.~")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, plus the removal of empty segments AWS services expect (as botocore)."""
    if not path:
        return "/"
    output: list[str] = []
    for segment in path.split("/"):
        if not segment or segment == ".":
            continue
        if segment == "..":
            if output:
                output.pop()
            continue
        output.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and output else ""
    return first + "/".join(output) + last
