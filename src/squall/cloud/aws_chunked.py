"""aws-chunked request bodies decoded as they arrive, straight into a body file.

An S3 upload signed with ``x-amz-content-sha256: STREAMING-...`` frames its payload in chunks
(``auth/chunked.py``). When it is large, or its length is not known (botocore sends it with
``Transfer-Encoding: chunked``), the HTTP server decodes it while reading it: chunk headers are
stripped, each chunk's signature is checked against the chain that the request's header signature
(checked before the body is read) starts, the data goes to a body file piece by piece, and a trailing
``x-amz-checksum-*`` is compared with the checksum computed on the way. moto then sees the decoded
value as a body file, exactly as it sees a plain large ``PutObject``: no part of the body is ever held
in memory whole.

A bad chunk signature is S3's ``403 SignatureDoesNotMatch``; a trailing checksum that is not the
content's, ``400 BadDigest``. Either way the body file is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Protocol

from squall.cloud.auth import chunked
from squall.cloud.auth.errors import refusal, s3_error
from squall.cloud.auth.failures import AuthFailure
from squall.cloud.bodies import BodyWriter, StreamedBody
from squall.cloud.plugins import CloudResponse

MAX_BODY = 5 << 30
_CHECKSUM = "x-amz-checksum-"


class BadRequest(Exception):
    """A body whose HTTP framing is broken: a 400, and the connection is closed."""


class Refused(Exception):
    """An aws-chunked body the service refuses (its answer in ``response``); the connection is closed."""

    def __init__(self, response: CloudResponse) -> None:
        super().__init__(response.status)
        self.response = response


class BodyReader(Protocol):
    def read(self, size: int) -> bytes: ...

    def readline(self, limit: int) -> bytes: ...


class LengthReader:
    """The ``Content-Length`` bytes of a body; ``b""`` after them."""

    def __init__(self, source: Any, length: int) -> None:
        self._source = source
        self._left = length

    def read(self, size: int) -> bytes:
        wanted = min(size, self._left)
        if wanted <= 0:
            return b""
        data: bytes = self._source.read(wanted)
        if not data:
            raise BadRequest("the request body ended early")
        self._left -= len(data)
        return data

    def readline(self, limit: int) -> bytes:
        wanted = min(limit, self._left)
        if wanted <= 0:
            return b""
        line: bytes = self._source.readline(wanted)
        if not line:
            raise BadRequest("the request body ended early")
        self._left -= len(line)
        return line


class ChunkedReader:
    """The bytes of a ``Transfer-Encoding: chunked`` body, its HTTP framing removed; ``b""`` after them."""

    def __init__(self, source: Any) -> None:
        self._source = source
        self._left = 0
        self._total = 0
        self._done = False

    def _fill(self) -> bool:
        if self._left == 0 and not self._done:
            if self._total:
                self._source.readline(1024)  # the CRLF that ends a chunk
            line = self._source.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise BadRequest("invalid chunk size") from exc
            if size == 0:
                while self._source.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                self._done = True
            self._total += size
            if self._total > MAX_BODY:
                raise BadRequest("the request body is too large")
            self._left = size
        return not self._done

    def read(self, size: int) -> bytes:
        if not self._fill():
            return b""
        data: bytes = self._source.read(min(size, self._left))
        if not data:
            raise BadRequest("the request body ended early")
        self._left -= len(data)
        return data

    def readline(self, limit: int) -> bytes:
        line = bytearray()
        while len(line) < limit and not line.endswith(b"\n") and self._fill():
            part: bytes = self._source.readline(min(limit - len(line), self._left))
            if not part:
                raise BadRequest("the request body ended early")
            self._left -= len(part)
            line += part
        return bytes(line)


def checksum_algorithm(headers: Mapping[str, str]) -> str | None:
    """The checksum to compute while decoding: the trailer's, else the one the SDK named without a value."""
    trailer = headers.get("x-amz-trailer", "").strip().lower()
    if trailer.startswith(_CHECKSUM):
        return trailer[len(_CHECKSUM) :]
    algorithm = headers.get("x-amz-sdk-checksum-algorithm")
    if algorithm and not headers.get(f"{_CHECKSUM}{algorithm.lower()}"):
        return algorithm
    return None


def stream(
    reader: BodyReader, writer: BodyWriter, mode: str, chain: chunked.Chain, headers: Mapping[str, str]
) -> StreamedBody:
    """Decode the aws-chunked body ``reader`` yields into ``writer``'s file, every check made on the way.

    Raises ``Refused`` (a bad signature or checksum) or ``BadRequest``; the caller discards the writer.
    """
    try:
        trailers = chunked.decode_stream(reader.read, reader.readline, writer.write, mode, chain)
    except AuthFailure as failure:
        raise Refused(refusal(failure, "s3", headers)) from None
    streamed = writer.finish()
    for name, computed in streamed.ref.checksums:
        given = trailers.get(name)
        if given is not None and given != computed:
            algorithm = name[len(_CHECKSUM) :].upper()
            raise Refused(
                s3_error(
                    400, "BadDigest", f"The {algorithm} you specified did not match the calculated checksum."
                )
            )
    return replace(streamed, trailers=tuple(trailers.items()), unchunked=True)
