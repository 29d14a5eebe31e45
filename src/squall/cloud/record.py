"""A journaled request: everything needed to replay it exactly, in a plain binary encoding.

Besides the HTTP request itself, a record keeps the seed moto's random generator was given before
the request ran and the wall-clock time it ran at. Replaying with both restores the same generated
ids (SQS receipt handles, message ids, ARNs with random parts) and the same timestamps (SQS
visibility deadlines), so a request journaled later, like a ``DeleteMessage`` carrying a receipt
handle, finds the same state it found the first time.

Each record has a number, one more than the record before it across segments and snapshots, so
recovery and ``squall cloud repair`` can say exactly which requests a damaged stretch of journal held.
A large S3 body is not in the record: ``body_ref`` names its own file (``bodies.py``).

The encoding is fields with explicit lengths, never a pickle: reading a journal cannot run code.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from squall.cloud.bodies import BodyRef

_VERSION = 2
_FIXED = struct.Struct(">BQQd")
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")


@dataclass(frozen=True)
class Record:
    number: int
    seed: int
    at: float
    service: str
    region: str
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    body_ref: BodyRef | None = None

    def encode(self) -> bytes:
        out = bytearray(_FIXED.pack(_VERSION, self.number, self.seed, self.at))
        for text in (self.service, self.region, self.method, self.path, self.query):
            _put_str(out, text)
        out += _U32.pack(len(self.headers))
        for name, value in self.headers:
            _put_str(out, name)
            _put_str(out, value)
        out += _U64.pack(len(self.body))
        out += self.body
        ref = self.body_ref
        if ref is None:
            out.append(0)
        else:
            out.append(1)
            _put_str(out, ref.name)
            out += _U64.pack(ref.size)
            _put_str(out, ref.md5)
            _put_str(out, ref.sha256)
            out += _U32.pack(len(ref.checksums))
            for name, value in ref.checksums:
                _put_str(out, name)
                _put_str(out, value)
        return bytes(out)

    @classmethod
    def decode(cls, payload: bytes) -> Record:
        try:
            return _Reader(payload).record()
        except (struct.error, UnicodeDecodeError, IndexError) as exc:
            raise ValueError(f"malformed journal record: {exc}") from exc

    def describe(self) -> str:
        """One line naming the request, for reports of what was replayed or lost."""
        from squall.cloud.operations import identify

        try:
            headers = {k.lower(): v for k, v in self.headers}
            operation = identify(self.method, self.path, self.query, headers, self.body).operation
        except Exception:
            operation = None
        if operation == "CopyObject" and "x-amz-copy-source" not in headers:
            operation = "UploadPart" if "uploadId=" in self.query else "PutObject"  # they share a route
        return f"{self.service} {operation or self.method + ' ' + self.path}"


def _put_str(out: bytearray, text: str) -> None:
    raw = text.encode("utf-8", "surrogateescape")
    out += _U32.pack(len(raw))
    out += raw


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def _take(self, size: int) -> bytes:
        end = self.at + size
        if end > len(self.data):
            raise IndexError("the record ends early")
        chunk = self.data[self.at : end]
        self.at = end
        return chunk

    def _u32(self) -> int:
        return int(_U32.unpack(self._take(4))[0])

    def _u64(self) -> int:
        return int(_U64.unpack(self._take(8))[0])

    def _str(self) -> str:
        return self._take(self._u32()).decode("utf-8", "surrogateescape")

    def record(self) -> Record:
        version, number, seed, at = _FIXED.unpack(self._take(_FIXED.size))
        if version != _VERSION:
            raise ValueError(f"unknown journal record version {version}")
        service, region, method, path, query = (self._str() for _ in range(5))
        headers = tuple((self._str(), self._str()) for _ in range(self._u32()))
        body = self._take(self._u64())
        ref: BodyRef | None = None
        if self._take(1) == b"\x01":
            name = self._str()
            size = self._u64()
            md5, sha256 = self._str(), self._str()
            checksums = tuple((self._str(), self._str()) for _ in range(self._u32()))
            ref = BodyRef(name, size, md5, sha256, checksums)
        if self.at != len(self.data):
            raise ValueError("unexpected bytes after the record")
        return Record(number, seed, at, service, region, method, path, query, headers, body, ref)
