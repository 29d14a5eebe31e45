"""The write-ahead journal: checksummed records appended to segment files.

A segment starts with an 8-byte magic and holds records framed as::

    mark (4 bytes) | length (8 bytes, big endian) | crc32c of the payload (4) | crc32c of the 16 bytes before (4) | payload

The header's own checksum means a length is trusted only once it is known to be intact, so a damaged
length can never make the rest of a segment look like a torn tail; the mark lets a scan find the next
intact record after damage, to count (and, for ``squall cloud repair``, keep) what follows it. Lengths
are 64-bit: a record is never too large for its header.

A record is written with one ``writev`` before the request that produced it is answered, so a
``kill -9`` of the daemon keeps every acknowledged record (the bytes are in the OS page cache). In the
default mode a background flusher ``fsync``s once a second; in strict mode each request waits, after
releasing the state lock, until an ``fsync`` covers its record (``wait_durable``). Concurrent waiters
share one ``fsync`` (group commit): whoever finds no ``fsync`` running syncs everything written so far.

What a scan can find (``scan``):

- a *torn tail*: the last record of the newest segment is incomplete (the process died inside
  ``write``) or the file ends in zeros the OS allocated but never wrote (a power loss). That record was
  never acknowledged; recovery cuts it off and says so.
- *damage*: anything else (a record that fails a checksum, a torn record in an older segment, a file
  that is not a journal). Recovery refuses to start and changes nothing; see ``store.py``.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from crc32c import crc32c

MAGIC = b"SQJRNL02"
OLD_MAGIC = b"SQJRNL01"
MARK = b"\xd5SQR"
_HEAD = struct.Struct(">4sQI")
_HEADER = struct.Struct(">4sQII")
HEADER_SIZE = _HEADER.size

OnSynced = Callable[[Path, int], None]


def header(length: int, payload_crc: int) -> bytes:
    head = _HEAD.pack(MARK, length, payload_crc)
    return head + struct.pack(">I", crc32c(head))


def frame(payload: bytes) -> bytes:
    """One record as it is stored: header then payload."""
    return header(len(payload), crc32c(payload)) + payload


@dataclass(frozen=True)
class Damage:
    """Bytes ``[offset, end)`` of a segment hold no intact record."""

    offset: int
    end: int
    reason: str


@dataclass
class Scan:
    """What a segment holds: its intact records (with offsets), a torn tail, damage."""

    records: list[bytes] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    good_end: int = 0
    torn: str | None = None
    damage: list[Damage] = field(default_factory=list)

    def intact_after(self, offset: int) -> int:
        return sum(1 for at in self.offsets if at > offset)


def _parse_header(data: bytes | memoryview, offset: int) -> int | None:
    """The payload length announced at ``offset`` if an intact header starts there."""
    mark, length, _, head_crc = _HEADER.unpack_from(data, offset)
    if mark != MARK or crc32c(bytes(data[offset : offset + 16])) != head_crc:
        return None
    return int(length)


def _next_intact(data: bytes, start: int) -> int | None:
    """The offset of the next record at or after ``start`` whose header and payload check out."""
    position = start
    while True:
        found = data.find(MARK, position)
        if found < 0 or len(data) - found < HEADER_SIZE:
            return None
        length = _parse_header(data, found)
        if length is not None and found + HEADER_SIZE + length <= len(data):
            payload_crc = _HEADER.unpack_from(data, found)[2]
            if crc32c(data[found + HEADER_SIZE : found + HEADER_SIZE + length]) == payload_crc:
                return found
        position = found + 1


def scan(data: bytes, *, last: bool = True) -> Scan:
    """Split a segment's bytes into records; ``last`` says whether a torn tail is possible here."""
    result = Scan()
    size = len(data)
    if size == 0 or (last and size < len(MAGIC) and MAGIC.startswith(data)):
        if size:
            result.torn = f"the segment ends inside its {len(MAGIC)}-byte magic"
        return result
    if not data.startswith(MAGIC):
        reason = (
            "it was written by an older version of squall (journal format 1)"
            if data.startswith(OLD_MAGIC)
            else "it does not start with the journal magic"
        )
        result.damage.append(Damage(0, size, reason))
        return result
    offset = result.good_end = len(MAGIC)
    while offset < size:
        tear: str | None = None
        if size - offset < HEADER_SIZE:
            tear = f"the last record's header is incomplete ({size - offset} of {HEADER_SIZE} bytes)"
        else:
            length = _parse_header(data, offset)
            if length is None:
                if not data[offset:].strip(b"\x00"):
                    tear = f"the file ends in {size - offset} zero bytes where a record should start"
                else:
                    resume = _next_intact(data, offset + 1)
                    end = size if resume is None else resume
                    result.damage.append(Damage(offset, end, "a record header fails its checksum"))
                    offset = end
                    continue
            else:
                end = offset + HEADER_SIZE + length
                if end > size:
                    tear = f"the last record is incomplete ({size - offset} of {end - offset} bytes)"
                else:
                    payload = data[offset + HEADER_SIZE : end]
                    if crc32c(payload) != _HEADER.unpack_from(data, offset)[2]:
                        result.damage.append(Damage(offset, end, "a record fails its checksum"))
                    else:
                        result.records.append(payload)
                        result.offsets.append(offset)
                        if not result.damage:
                            result.good_end = end
                    offset = end
                    continue
        if last and not result.damage:
            result.torn = tear
        else:
            result.damage.append(Damage(offset, size, tear))
        break
    return result


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


Position = tuple[int, int]  # (segment, end offset of a record in it)


class Journal:
    """The open, current segment. Appends are serialized by the caller's state lock."""

    def __init__(self, folder: Path, seq: int, *, on_synced: OnSynced | None = None) -> None:
        self.folder = folder
        self.seq = seq
        self.records = 0
        self.size = 0
        self._on_synced = on_synced
        self._next: tuple[int, int] | None = None  # (seq, fd) of a segment opened ahead of rotation
        self._io_lock = threading.Lock()
        self._retired: list[tuple[int, int, int]] = []  # (seq, fd, size) rotated, not yet fsynced
        self._sync = threading.Condition()
        self._syncing = False
        self._fd, self.size = self._open(seq)
        self._synced: Position = (seq, self.size)

    def _open(self, seq: int) -> tuple[int, int]:
        path = self.folder / segment_name(seq)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        size = os.fstat(fd).st_size
        if size == 0:
            _write_all(fd, MAGIC)
            size = len(MAGIC)
            os.fsync(fd)
            fsync_dir(self.folder)
            self._report(seq, size)
        return fd, size

    def prepare(self) -> None:
        """Create the next segment now (its ``fsync``s too), so ``rotate`` under the state lock is quick."""
        with self._io_lock:
            if self._next is not None:
                return
            seq = self.seq + 1
        fd, _ = self._open(seq)
        with self._io_lock:
            self._next = (seq, fd)

    def append(self, payload: bytes) -> Position:
        """Write one record (it reaches the OS before this returns); where it ends."""
        head = header(len(payload), crc32c(payload))
        with self._io_lock:
            written = os.writev(self._fd, [head, payload])
            if written < len(head) + len(payload):
                _write_all(self._fd, (head + payload)[written:])
            self.records += 1
            self.size += len(head) + len(payload)
            return (self.seq, self.size)

    def rotate(self) -> int:
        """Start the next segment; the old one is ``fsync``ed by the next ``sync``. The new number."""
        with self._io_lock:
            self._retired.append((self.seq, self._fd, self.size))
            self.seq += 1
            self.records = 0
            prepared, self._next = self._next, None
            if prepared is not None and prepared[0] == self.seq:
                self._fd, self.size = prepared[1], len(MAGIC)
            else:
                self._fd, self.size = self._open(self.seq)
        return self.seq

    def wait_durable(self, position: Position) -> None:
        """Return once an ``fsync`` covers ``position`` (group commit: one ``fsync`` for all waiters)."""
        with self._sync:
            while self._synced < position:
                if self._syncing:
                    self._sync.wait()
                    continue
                self._syncing = True
                self._sync.release()
                try:
                    reached = self._sync_now()
                finally:
                    self._sync.acquire()
                    self._syncing = False
                    self._sync.notify_all()
                self._synced = max(self._synced, reached)

    def sync(self) -> None:
        """``fsync`` everything written so far (the flusher's once-a-second call, and rotation's)."""
        with self._io_lock:
            target = (self.seq, self.size)
        self.wait_durable(target)

    def _sync_now(self) -> Position:
        with self._io_lock:
            retired, self._retired = self._retired, []
            fd = os.dup(self._fd)
            position = (self.seq, self.size)
        for seq, old_fd, size in retired:
            try:
                os.fsync(old_fd)
            finally:
                os.close(old_fd)
            self._report(seq, size)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self._report(*position)
        return position

    def _report(self, seq: int, size: int) -> None:
        if self._on_synced is not None:
            self._on_synced(self.folder / segment_name(seq), size)

    def close(self) -> None:
        self.sync()
        with self._io_lock:
            os.close(self._fd)
            if self._next is not None:
                os.close(self._next[1])
                (self.folder / segment_name(self._next[0])).unlink(missing_ok=True)
                self._next = None


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_segment(path: Path, *, last: bool = True) -> Scan:
    return scan(path.read_bytes(), last=last)
