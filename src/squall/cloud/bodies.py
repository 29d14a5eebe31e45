"""Large S3 object bodies, each in its own file under ``<state>/bodies``.

A request body over ``SPOOL_AT`` never sits in memory: the HTTP server streams it into a new body
file (``BodyStore.writer``), hashing it on the way (SHA-256 for signature checks, MD5 for the ETag,
the checksum the client asked for), and ``fsync``s it before the request goes on. For a
``PutObject`` or ``UploadPart`` the file *becomes* the object's value (``s3_values.py``): moto's key
reads it from disk, the journal record and snapshots refer to it by name (``BodyRef``), and nothing
copies it. Other large values moto makes itself (a ``CopyObject``, a completed multipart upload) are
written to body files too (``BodyStore.store``) and ``fsync``ed before a snapshot refers to them.

Files are named ``<number>-<random>.body`` with an increasing number, so compaction can delete what no
snapshot, journal record or running request refers to while leaving alone anything newer than the
state it just saved (``collect``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib
import os
import secrets
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crc32c import crc32c


def _load_crc64nvme() -> Callable[[bytes, int], int] | None:
    try:
        checksums: Any = importlib.import_module("awscrt.checksums")
    except ImportError:  # awscrt is optional: without it, CRC64NVME checksums are left to moto
        return None
    function: Callable[[bytes, int], int] = checksums.crc64nvme
    return function


_crc64nvme = _load_crc64nvme()
SPOOL_AT = 1 << 20
_READ = 1 << 20
SUFFIX = ".body"


@dataclass(frozen=True)
class BodyRef:
    """A body file as journal records and snapshots name it."""

    name: str
    size: int
    md5: str
    sha256: str
    checksums: tuple[tuple[str, str], ...] = ()


class BodyMissing(Exception):
    """A body file a journal record or snapshot refers to is gone or has the wrong size."""


@dataclass(frozen=True)
class StreamedBody:
    """A request body on disk, as the HTTP server hands it on: its file and its digests.

    ``sha256`` (hex) is the payload hash a SigV4 verifier compares with ``x-amz-content-sha256``;
    ``checksums`` holds ``x-amz-checksum-*`` values computed for an algorithm the client named.
    """

    ref: BodyRef
    path: Path
    trailers: tuple[tuple[str, str], ...] = ()
    """The trailing headers of an aws-chunked body, which was decoded on its way to the file."""
    unchunked: bool = False

    @property
    def size(self) -> int:
        return self.ref.size

    @property
    def sha256(self) -> str:
        return self.ref.sha256

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


class _Checksum:
    """The ``x-amz-checksum-<algorithm>`` S3 would compute, over a stream."""

    def __init__(self, algorithm: str) -> None:
        self.algorithm = algorithm.lower()
        self._crc = 0
        self._hash: Any = hashlib.new(self.algorithm) if self.algorithm in {"sha1", "sha256"} else None

    @property
    def known(self) -> bool:
        return self.algorithm in {"crc32", "crc32c", "sha1", "sha256"} or (
            self.algorithm == "crc64nvme" and _crc64nvme is not None
        )

    def update(self, chunk: bytes) -> None:
        if self._hash is not None:
            self._hash.update(chunk)
        elif self.algorithm == "crc32":
            self._crc = zlib.crc32(chunk, self._crc)
        elif self.algorithm == "crc32c":
            self._crc = crc32c(chunk, self._crc)
        elif self.algorithm == "crc64nvme" and _crc64nvme is not None:
            self._crc = _crc64nvme(chunk, self._crc)

    def value(self) -> str:
        width = 8 if self.algorithm == "crc64nvme" else 4
        raw = self._hash.digest() if self._hash is not None else self._crc.to_bytes(width, "big")
        return base64.b64encode(raw).decode()


class _NoDigest:
    def update(self, chunk: bytes) -> None:
        pass

    def hexdigest(self) -> str:
        return ""


class BodyWriter:
    """One body being streamed in; ``finish`` makes it durable, ``discard`` removes it."""

    def __init__(
        self, store: BodyStore, name: str, checksum_algorithm: str | None, *, digests: bool = True
    ) -> None:
        self._store = store
        self.name = name
        self.path = store.folder / name
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._sha256: Any = hashlib.sha256() if digests else _NoDigest()
        self._md5: Any = hashlib.md5() if digests else _NoDigest()
        self._size = 0
        checksum = _Checksum(checksum_algorithm) if checksum_algorithm else None
        self._checksum = checksum if checksum is not None and checksum.known else None

    def write(self, chunk: bytes) -> None:
        self._sha256.update(chunk)
        self._md5.update(chunk)
        if self._checksum is not None:
            self._checksum.update(chunk)
        view = memoryview(chunk)
        while view:
            view = view[os.write(self._fd, view) :]
        self._size += len(chunk)

    def finish(self) -> StreamedBody:
        try:
            os.fsync(self._fd)
        finally:
            os.close(self._fd)
        _fsync_dir(self._store.folder)  # the file's name must survive a power loss too
        checksums: tuple[tuple[str, str], ...] = ()
        if self._checksum is not None:
            checksums = ((f"x-amz-checksum-{self._checksum.algorithm}", self._checksum.value()),)
        ref = BodyRef(self.name, self._size, self._md5.hexdigest(), self._sha256.hexdigest(), checksums)
        return StreamedBody(ref, self.path)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._store.settle(self.name, keep=False)


class BodyFile:
    """A body file read as a file object (the value buffer of an S3 key); it holds no descriptor."""

    def __init__(self, path: Path, ref: BodyRef) -> None:
        self.path = path
        self.ref = ref
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        remaining = self.ref.size - self._position
        wanted = remaining if size is None or size < 0 else min(size, remaining)
        if wanted <= 0:
            return b""
        parts: list[bytes] = []
        fd = os.open(self.path, os.O_RDONLY)
        try:
            offset, left = self._position, wanted
            while left:
                chunk = os.pread(fd, min(left, 64 * _READ), offset)
                if not chunk:
                    raise BodyMissing(f"body file {self.path} is shorter than {self.ref.size} bytes")
                parts.append(chunk)
                offset += len(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
        self._position += wanted
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def seek(self, position: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._position, 2: self.ref.size}[whence]
        self._position = max(0, base + position)
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        pass

    def fsync(self) -> None:
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class BodySlice:
    """A range of a body file, standing in for the bytes of a GetObject answer so they are sent from disk.

    moto measures and slices it (``Range`` requests) as it would the bytes; the HTTP server sends it with
    ``sendfile``.
    """

    def __init__(self, file: BodyFile, start: int = 0, stop: int | None = None) -> None:
        self.file = file
        self.start = start
        self.stop = file.ref.size if stop is None else min(stop, file.ref.size)

    def __len__(self) -> int:
        return max(0, self.stop - self.start)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, index: slice) -> BodySlice:
        start, stop, step = index.indices(len(self))
        if step != 1:
            raise ValueError("a body slice has no step")
        return BodySlice(self.file, self.start + start, self.start + max(start, stop))

    def __bytes__(self) -> bytes:
        self.file.seek(self.start)
        return self.file.read(len(self))


class BodyStore:
    """The body files of one local cloud."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._inflight: set[str] = set()
        self._counter = max((_number(name) for name in self.names()), default=0) + 1

    def names(self) -> list[str]:
        return [p.name for p in self.folder.glob("*" + SUFFIX)]

    def _new_name(self) -> str:
        with self._lock:
            number = self._counter
            self._counter += 1
            name = f"{number:012d}-{secrets.token_hex(4)}{SUFFIX}"
            self._inflight.add(name)
        return name

    def writer(self, checksum_algorithm: str | None = None, *, digests: bool = True) -> BodyWriter:
        """A new body file to stream into; without ``digests`` its SHA-256 and MD5 are not computed."""
        return BodyWriter(self, self._new_name(), checksum_algorithm, digests=digests)

    def store(self, data: bytes) -> BodyFile:
        """A new body file holding ``data`` (not yet ``fsync``ed: a snapshot does that)."""
        name = self._new_name()
        path = self.folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        ref = BodyRef(name, len(data), hashlib.md5(data).hexdigest(), "")
        self.settle(name, keep=True)
        return BodyFile(path, ref)

    def open(self, ref: BodyRef) -> BodyFile:
        path = self.folder / ref.name
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise BodyMissing(f"body file {path} is missing") from exc
        if size != ref.size:
            raise BodyMissing(f"body file {path} holds {size} bytes, not {ref.size}")
        return BodyFile(path, ref)

    def settle(self, name: str, *, keep: bool) -> None:
        """The request that streamed ``name`` is done: keep the file (it is referred to) or delete it."""
        with self._lock:
            self._inflight.discard(name)
        if not keep:
            (self.folder / name).unlink(missing_ok=True)

    def abandon(self, name: str) -> None:
        """Delete ``name`` if no request settled it (it never reached a handler that stores bodies)."""
        with self._lock:
            pending = name in self._inflight
            self._inflight.discard(name)
        if pending:
            (self.folder / name).unlink(missing_ok=True)

    def horizon(self) -> int:
        """Files numbered below this existed when it was called."""
        with self._lock:
            return self._counter

    def collect(self, referenced: set[str], horizon: int) -> int:
        """Delete body files older than ``horizon`` that nothing refers to; how many went."""
        with self._lock:
            keep = referenced | self._inflight
        removed = 0
        for name in self.names():
            if name not in keep and _number(name) < horizon:
                (self.folder / name).unlink(missing_ok=True)
                removed += 1
        return removed


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _number(name: str) -> int:
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else 0
