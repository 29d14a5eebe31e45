"""S3's ``aws-chunked`` bodies: each chunk checked against its signature, the payload reassembled.

A streaming upload (AWS's "Signature calculations for the Authorization header: transferring payload in
multiple chunks") signs its headers once with ``x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD``;
that seed signature starts a chain in which every chunk's signature covers the chunk's data and the
previous signature, so no chunk can be changed, dropped or reordered::

    <hex size>;chunk-signature=<signature>\\r\\n<data>\\r\\n ... 0;chunk-signature=<signature>\\r\\n\\r\\n

The ``-TRAILER`` variants end with trailing headers (a checksum such as ``x-amz-checksum-crc32``) after
the last chunk; signed ones close the chain with ``x-amz-trailer-signature``. ``STREAMING-UNSIGNED-
PAYLOAD-TRAILER`` carries no chunk signatures at all (the seed signature covers the headers only, as
``UNSIGNED-PAYLOAD`` does).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from squall.cloud.auth import sigv4
from squall.cloud.auth.failures import AuthFailure

SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
MODES = frozenset({SIGNED, SIGNED_TRAILER, UNSIGNED_TRAILER})
_SIGNATURE_PREFIX = b"chunk-signature="
_TRAILER_SIGNATURE = "x-amz-trailer-signature"


@dataclass(frozen=True)
class Chain:
    """What each chunk signature is computed from: the request's signing key, time, scope and signature."""

    key: bytes
    timestamp: str
    scope: str
    seed: str


@dataclass(frozen=True)
class Decoded:
    payload: bytes
    trailers: dict[str, str]


def decode(body: bytes, mode: str, chain: Chain) -> Decoded:
    """The payload of an aws-chunked ``body``; raises ``AuthFailure`` for a bad signature or framing."""
    signed = mode != UNSIGNED_TRAILER
    previous = chain.seed
    parts: list[bytes] = []
    position = 0
    while True:
        end = body.find(b"\r\n", position)
        if end < 0:
            raise AuthFailure("incomplete_body", "a chunk header is cut short")
        size_text, _, extension = body[position:end].partition(b";")
        try:
            size = int(size_text.strip(), 16)
        except ValueError:
            raise AuthFailure("incomplete_body", "a chunk size is not hexadecimal") from None
        start = end + 2
        data = body[start : start + size]
        if len(data) != size:
            raise AuthFailure("incomplete_body", "a chunk is shorter than its size")
        if signed:
            given = extension.strip()
            if not given.startswith(_SIGNATURE_PREFIX):
                raise AuthFailure("incomplete_body", "a chunk has no chunk-signature")
            text = (
                f"AWS4-HMAC-SHA256-PAYLOAD\n{chain.timestamp}\n{chain.scope}\n{previous}\n"
                f"{sigv4.EMPTY_SHA256}\n{hashlib.sha256(data).hexdigest()}"
            )
            expected = sigv4.signature(chain.key, text)
            signature = given[len(_SIGNATURE_PREFIX) :].decode("latin-1")
            if not sigv4.same(expected, signature):
                raise AuthFailure("signature", "a chunk's signature does not match")
            previous = signature
        position = start + size
        if size == 0:
            break
        if body[position : position + 2] != b"\r\n":
            raise AuthFailure("incomplete_body", "a chunk does not end with CRLF")
        position += 2
        parts.append(data)
    trailers = _trailers(body[position:], mode, chain, previous)
    return Decoded(b"".join(parts), trailers)


def _trailers(rest: bytes, mode: str, chain: Chain, previous: str) -> dict[str, str]:
    lines = rest.split(b"\r\n")
    # the final chunk's CRLF comes first, then one header per line, then an empty line
    if lines[:1] == [b""]:
        lines = lines[1:]
    trailers: dict[str, str] = {}
    for line in lines:
        if not line:
            continue
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise AuthFailure("incomplete_body", "a trailing header has no value")
        trailers[name.strip().lower()] = value.strip()
    if mode == SIGNED and trailers:
        raise AuthFailure("incomplete_body", "trailing headers after a body without a trailer")
    if mode == SIGNED_TRAILER:
        given = trailers.pop(_TRAILER_SIGNATURE, None)
        if given is None:
            raise AuthFailure("incomplete_body", "the trailer has no x-amz-trailer-signature")
        canonical = "".join(f"{name}:{value}\n" for name, value in trailers.items())
        text = (
            f"AWS4-HMAC-SHA256-TRAILER\n{chain.timestamp}\n{chain.scope}\n{previous}\n"
            f"{hashlib.sha256(canonical.encode()).hexdigest()}"
        )
        if not sigv4.same(sigv4.signature(chain.key, text), given):
            raise AuthFailure("signature", "the trailer's signature does not match")
    return trailers
