"""The write-ahead journal: framed records appended to segment files.

A segment is a file that starts with an 8-byte magic and holds records framed as
``length (4 bytes, big endian) | crc32 (4 bytes) | payload``. A record is written with a single
``write`` call before the request that produced it is answered, so a ``kill -9`` of the daemon keeps
every acknowledged record: the bytes are in the OS page cache. ``fsync`` is left to a background
flusher (at most one second behind) unless the journal is opened with ``fsync_each=True``; only a
power loss or an OS crash can lose that second.

Only the last record of a segment can be torn (the process died inside ``write``). ``scan`` stops at
the first record that is short or fails its checksum and reports where the good prefix ends, so the
opener can cut the tear off and append after it.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"SQJRNL01"
_HEADER = struct.Struct(">II")
MAX_RECORD = 1 << 30


def frame(payload: bytes) -> bytes:
    """One record as it is stored: header then payload."""
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


@dataclass(frozen=True)
class Scan:
    """What a segment holds: its intact records and, if the tail was torn, why and where."""

    records: list[bytes]
    good_end: int
    problem: str | None = None


def scan(data: bytes) -> Scan:
    """Split a segment's bytes into records, stopping at the first torn or corrupt one."""
    if not data:
        return Scan([], 0)
    if not data.startswith(MAGIC):
        return Scan([], 0, "the segment does not start with the journal magic")
    records: list[bytes] = []
    offset = len(MAGIC)
    while offset < len(data):
        if len(data) - offset < _HEADER.size:
            return Scan(records, offset, f"torn record header at byte {offset}")
        length, crc = _HEADER.unpack_from(data, offset)
        start = offset + _HEADER.size
        if length > MAX_RECORD or start + length > len(data):
            return Scan(records, offset, f"torn record at byte {offset} ({length} bytes announced)")
        payload = data[start : start + length]
        if zlib.crc32(payload) != crc:
            return Scan(records, offset, f"record at byte {offset} fails its checksum")
        records.append(payload)
        offset = start + length
    return Scan(records, offset)


def segment_name(seq: int) -> str:
    return f"journal-{seq:08d}.log"


def segment_seq(path: Path) -> int | None:
    stem = path.name
    if stem.startswith("journal-") and stem.endswith(".log"):
        digits = stem[len("journal-") : -len(".log")]
        if digits.isdigit():
            return int(digits)
    return None


def segments(folder: Path) -> list[tuple[int, Path]]:
    """The journal segments in ``folder``, oldest first."""
    found = [(seq, p) for p in folder.glob("journal-*.log") if (seq := segment_seq(p)) is not None]
    return sorted(found)


class Journal:
    """The open, current segment; appends are serialized by the caller's state lock."""

    def __init__(self, folder: Path, seq: int, *, fsync_each: bool = False) -> None:
        self.folder = folder
        self.fsync_each = fsync_each
        self.seq = seq
        self.records = 0
        self.size = 0
        self._dirty = False
        self._io_lock = threading.Lock()
        self._fd = self._open(seq)

    def _open(self, seq: int) -> int:
        path = self.folder / segment_name(seq)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        size = os.fstat(fd).st_size
        if size == 0:
            _write_all(fd, MAGIC)
            size = len(MAGIC)
        self.size = size
        return fd

    def append(self, payload: bytes) -> None:
        header = _HEADER.pack(len(payload), zlib.crc32(payload))
        with self._io_lock:
            written = os.writev(self._fd, [header, payload])
            if written < len(header) + len(payload):
                _write_all(self._fd, (header + payload)[written:])
            if self.fsync_each:
                os.fsync(self._fd)
            else:
                self._dirty = True
        self.records += 1
        self.size += len(header) + len(payload)

    def rotate(self) -> int:
        """Close the current segment and start the next one; returns the new segment's number."""
        with self._io_lock:
            os.fsync(self._fd)
            os.close(self._fd)
            self.seq += 1
            self.records = 0
            self._dirty = False
            self._fd = self._open(self.seq)
        return self.seq

    def flush(self) -> None:
        """``fsync`` if anything was appended since the last call."""
        with self._io_lock:
            if self._dirty:
                self._dirty = False
                os.fsync(self._fd)

    def close(self) -> None:
        with self._io_lock:
            os.fsync(self._fd)
            os.close(self._fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_segment(path: Path) -> Scan:
    return scan(path.read_bytes())


def iter_payloads(scans: list[Scan]) -> Iterator[bytes]:
    for item in scans:
        yield from item.records
