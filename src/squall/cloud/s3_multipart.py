"""CompleteMultipartUpload on disk: the parts' files concatenated into the object's own body file.

moto's ``FakeMultipart.complete`` joins every part's bytes in memory (twice: a ``bytearray`` and its
``bytes`` copy, a third time for a full-object checksum), so a 5 GiB upload would need 10 GiB or more.
``complete`` here makes the same checks in the same order (each part present with its ETag, every part
but the last at least 5 MiB, at least one part) and returns the same ETag (the MD5 of the parts' MD5s,
``-<count>``) and checksum details, but copies the parts piece by piece into a new body file, computing
the checksums on the way, and ``fsync``s it before moto stores it as the key's value
(``s3_values._set_value`` takes a ``BodyFile`` as it is). A small object stays bytes, as moto makes it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib
from collections.abc import Callable, Iterator
from typing import Any

from squall.cloud.bodies import SPOOL_AT, BodyFile, BodyStore

_PIECE = 8 << 20

Completion = tuple["bytes | BodyFile", str, "tuple[str, str, int] | None"]


class _Digest:
    """One of moto's ``compute_checksum`` algorithms, over a stream."""

    def __init__(self, algorithm: str) -> None:
        import moto.s3.utils as utils

        crt = bool(vars(utils)["HAS_CRT"])  # what moto's compute_checksum decides by
        self._crc = 0
        self._hash: Any = None
        self._width = 4
        self._update: Callable[[bytes], None]
        if algorithm == "SHA1":
            self._hash = hashlib.sha1(usedforsecurity=False)
        elif algorithm == "CRC32C":
            from crc32c import crc32c

            self._update = lambda data: self._set(crc32c(data, self._crc))
        elif algorithm == "CRC32" or (algorithm == "CRC64NVME" and not crt):
            self._update = lambda data: self._set(binascii.crc32(data, self._crc))
        elif algorithm == "CRC64NVME":
            checksums: Any = importlib.import_module("awscrt.checksums")
            self._width = 8
            self._update = lambda data: self._set(checksums.crc64nvme(data, self._crc))
        else:
            self._hash = hashlib.sha256(usedforsecurity=False)

    def _set(self, crc: int) -> None:
        self._crc = crc

    def update(self, data: bytes) -> None:
        if self._hash is not None:
            self._hash.update(data)
        else:
            self._update(data)

    def digest(self) -> bytes:
        if self._hash is not None:
            return bytes(self._hash.digest())
        return self._crc.to_bytes(self._width, "big")


def complete(multipart: Any, body: Iterator[tuple[int, str]], store: BodyStore) -> Completion:
    """``FakeMultipart.complete``, with the object's value in a body file when it is large."""
    import moto.s3.models as models
    from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML

    minimum = int(vars(models)["S3_UPLOAD_PART_MIN_SIZE"])

    algorithm: str = multipart.metadata.get("x-amz-checksum-algorithm") or "CRC64NVME"
    kind: str = multipart.metadata.get("x-amz-checksum-type") or (
        "FULL_OBJECT" if algorithm == "CRC64NVME" else "COMPOSITE"
    )
    parts: list[Any] = []
    md5s = bytearray()
    for number, etag in body:
        part = multipart.parts.get(number)
        if part is None or part.etag.replace('"', "") != etag.replace('"', ""):
            raise InvalidPart()
        if parts and parts[-1].contentsize < minimum:
            raise EntityTooSmall()
        md5s.extend(bytes.fromhex(part.etag.replace('"', "")))
        parts.append(part)
    if not parts:
        raise MalformedXML
    etag = f"{hashlib.md5(bytes(md5s)).hexdigest()}-{len(parts)}"
    composite = _Digest(algorithm)
    whole = _Digest(algorithm)
    large = sum(int(part.contentsize) for part in parts) > SPOOL_AT
    writer = store.writer(digests=False) if large else None
    small = bytearray()
    try:
        for part in parts:
            digest = _Digest(algorithm)
            for piece in _pieces(part):
                digest.update(piece)
                if kind != "COMPOSITE":
                    whole.update(piece)
                if writer is not None:
                    writer.write(piece)
                else:
                    small += piece
            composite.update(digest.digest())
        value: bytes | BodyFile = bytes(small)
        if writer is not None:
            streamed = writer.finish()
            store.settle(streamed.ref.name, keep=True)
            value = BodyFile(streamed.path, streamed.ref)
    except BaseException:
        if writer is not None:
            writer.discard()
        raise
    if kind == "COMPOSITE":
        details = (kind, base64.b64encode(composite.digest()).decode(), len(parts))
    else:
        details = (kind, base64.b64encode(whole.digest()).decode(), 1)
    return value, etag, details


def _pieces(part: Any) -> Iterator[bytes]:
    """A part's value, a piece at a time, from its body file or its buffer."""
    buffer = part._value_buffer
    if isinstance(buffer, BodyFile):
        reader = BodyFile(buffer.path, buffer.ref)  # its own position: the key's is left alone
        while piece := reader.read(_PIECE):
            yield piece
        return
    with part.lock:
        buffer.seek(0)
        data = buffer.read()
    if data:
        yield bytes(data)
