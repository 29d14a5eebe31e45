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
from collections.abc import Callable
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
    size: int | None = None
    """The payload's length when it is not in ``payload`` (decoded into a body file as it arrived)."""

    @property
    def length(self) -> int:
        return len(self.payload) if self.size is None else self.size


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
            previous = _check_chunk(chain, previous, extension, hashlib.sha256(data).hexdigest())
        position = start + size
        if size == 0:
            break
        if body[position : position + 2] != b"\r\n":
            raise AuthFailure("incomplete_body", "a chunk does not end with CRLF")
        position += 2
        parts.append(data)
    trailers = _trailers(body[position:], mode, chain, previous)
    return Decoded(b"".join(parts), trailers)


_MAX_HEADER = 4096
_MAX_TRAILERS = 16 << 10


def decode_stream(
    read: Callable[[int], bytes],
    readline: Callable[[int], bytes],
    sink: Callable[[bytes], None],
    mode: str,
    chain: Chain,
    piece: int = 1 << 20,
) -> dict[str, str]:
    """``decode`` for a body read as it arrives: each chunk's data goes to ``sink`` in pieces of at most
    ``piece`` bytes and its signature is checked when it ends, so no chunk is held whole; returns the
    trailers. ``read`` and ``readline`` return ``b""`` at the body's end."""
    signed = mode != UNSIGNED_TRAILER
    previous = chain.seed
    while True:
        line = readline(_MAX_HEADER)
        if not line.endswith(b"\r\n"):
            raise AuthFailure("incomplete_body", "a chunk header is cut short")
        size_text, _, extension = line[:-2].partition(b";")
        try:
            size = int(size_text.strip(), 16)
        except ValueError:
            raise AuthFailure("incomplete_body", "a chunk size is not hexadecimal") from None
        digest = hashlib.sha256()
        left = size
        while left:
            data = read(min(piece, left))
            if not data:
                raise AuthFailure("incomplete_body", "a chunk is shorter than its size")
            if signed:
                digest.update(data)
            sink(data)
            left -= len(data)
        if signed:
            previous = _check_chunk(chain, previous, extension, digest.hexdigest())
        if size == 0:
            break
        if read(2) != b"\r\n":
            raise AuthFailure("incomplete_body", "a chunk does not end with CRLF")
    rest = bytearray()
    while len(rest) <= _MAX_TRAILERS and (data := read(_MAX_TRAILERS)):
        rest += data
    if len(rest) > _MAX_TRAILERS:
        raise AuthFailure("incomplete_body", "the trailing headers are too long")
    return _trailers(bytes(rest), mode, chain, previous)


def _check_chunk(chain: Chain, previous: str, extension: bytes, sha256: str) -> str:
    """The chunk's signature, once checked against the chain so far."""
    given = extension.strip()
    if not given.startswith(_SIGNATURE_PREFIX):
        raise AuthFailure("incomplete_body", "a chunk has no chunk-signature")
    text = (
        f"AWS4-HMAC-SHA256-PAYLOAD\n{chain.timestamp}\n{chain.scope}\n{previous}\n"
        f"{sigv4.EMPTY_SHA256}\n{sha256}"
    )
    signature = given[len(_SIGNATURE_PREFIX) :].decode("latin-1")
    if not sigv4.same(sigv4.signature(chain.key, text), signature):
        raise AuthFailure("signature", "a chunk's signature does not match")
    return signature


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
