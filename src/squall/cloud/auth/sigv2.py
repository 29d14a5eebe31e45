"""S3's Signature Version 2 (HMAC-SHA1), still what boto3 uses by default for presigned S3 URLs and POSTs.

AWS's "Signing and authenticating REST requests" (S3): the string to sign is the method, ``Content-MD5``,
``Content-Type``, the date (a presigned URL's ``Expires``), the ``x-amz-*`` headers and the resource (the
path as sent plus the sub-resources of the query, such as ``?versionId=``). The signature is its
base64 HMAC-SHA1 under the secret key. botocore's ``HmacV1Auth`` and ``HmacV1QueryAuth`` are the
reference the unit tests check this against.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

SUBRESOURCES = frozenset(
    {
        "accelerate",
        "acl",
        "analytics",
        "cors",
        "defaultObjectAcl",
        "delete",
        "inventory",
        "lifecycle",
        "location",
        "logging",
        "metrics",
        "notification",
        "object-lock",
        "partNumber",
        "policy",
        "replication",
        "requestPayment",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "response-content-language",
        "response-content-type",
        "response-expires",
        "restore",
        "select",
        "select-type",
        "storageClass",
        "tagging",
        "torrent",
        "uploadId",
        "uploads",
        "versionId",
        "versioning",
        "versions",
        "website",
    }
)


def canonical_resource(path: str, query: str) -> str:
    found: list[tuple[str, str | None]] = []
    for part in query.split("&") if query else ():
        name, equals, value = part.partition("=")
        if name in SUBRESOURCES:
            found.append((name, unquote(value) if equals else None))
    if not found:
        return path
    found.sort(key=lambda item: item[0])
    return path + "?" + "&".join(name if value is None else f"{name}={value}" for name, value in found)


def canonical_amz_headers(pairs: Iterable[tuple[str, str]]) -> str:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        lower = name.lower()
        if lower.startswith("x-amz-"):
            values.setdefault(lower, []).append(value.strip())
    return "".join(f"{name}:{','.join(values[name])}\n" for name in sorted(values))


def string_to_sign(
    method: str,
    *,
    content_md5: str,
    content_type: str,
    date: str,
    amz_headers: Iterable[tuple[str, str]],
    path: str,
    query: str,
) -> str:
    return (
        f"{method}\n{content_md5.strip()}\n{content_type.strip()}\n{date.strip()}\n"
        f"{canonical_amz_headers(amz_headers)}{canonical_resource(path, query)}"
    )


def signature(secret: str, text: str) -> str:
    digest = hmac.digest(secret.encode("utf-8"), text.encode("utf-8"), "sha1")
    return base64.b64encode(digest).decode()


def query_params(query: str, names: Iterable[str]) -> dict[str, str]:
    """The decoded values of the named parameters (and of every ``x-amz-*`` one)."""
    wanted = set(names)
    found: dict[str, str] = {}
    for part in query.split("&") if query else ():
        name, _, value = part.partition("=")
        if name in wanted or name.lower().startswith("x-amz-"):
            found[name] = unquote(value)
    return found


def header_date(headers: Mapping[str, str]) -> str:
    """The Date line: empty when ``x-amz-date`` stands in for it (it is then an amz header)."""
    return "" if "x-amz-date" in headers else headers.get("date", "")
