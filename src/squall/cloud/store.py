"""Durability: a snapshot of moto's state plus the journal of requests made since.

Folder layout (``<data>/state``)::

    snapshot.pkl            moto's state as of the start of segment N (see snapshot.py)
    journal-0000000N.log    requests acknowledged since, in order (see journal.py)
    journal-0000000M.log    ... M > N

Recovery loads the snapshot, then replays every later segment. Compaction (``compact``) rotates
the journal and pickles the state under the state lock, then writes the snapshot and deletes the
segments it covers outside the lock, so the folder holds one snapshot and a bounded journal.
A crash between the two steps leaves the older snapshot and every segment since: still complete.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from squall.cloud import journal, snapshot
from squall.cloud.record import Record
from squall.errors import CloudError

log = logging.getLogger(__name__)

SNAPSHOT = "snapshot.pkl"
_SOFT_RECORDS = 100
_MIN_INTERVAL = 1.0
_COST_FACTOR = 10


@dataclass
class Recovery:
    """What recovery found: counts for the log and warnings about skipped records."""

    snapshot: bool = False
    replayed: int = 0
    warnings: list[str] = field(default_factory=list)


class Store:
    def __init__(
        self,
        folder: Path,
        *,
        fsync_each: bool = False,
        max_records: int = 2000,
        max_bytes: int = 64 << 20,
    ) -> None:
        self.folder = folder
        self.fsync_each = fsync_each
        self.max_records = max_records
        self.max_bytes = max_bytes
        self._journal: journal.Journal | None = None
        self._compact_lock = threading.Lock()
        self._last_compaction = time.monotonic()
        self._last_cost = 0.0

    @property
    def current(self) -> journal.Journal:
        assert self._journal is not None, "recover() opens the journal"
        return self._journal

    def recover(self, live: Mapping[str, Any], replay: Callable[[Record], None]) -> Recovery:
        """Load the snapshot and replay the journal into ``live``; then open the journal for appends."""
        self.folder.mkdir(parents=True, exist_ok=True)
        report = Recovery()
        next_seq = 1
        snap = self.folder / SNAPSHOT
        if snap.exists():
            try:
                next_seq = snapshot.load(snap.read_bytes(), live)
            except Exception as exc:
                raise CloudError(
                    f"the local cloud's snapshot {snap} cannot be read: {exc}",
                    hint="`squall cloud reset` wipes the local cloud's data",
                ) from exc
            report.snapshot = True
        found = journal.segments(self.folder)
        last_seq = next_seq
        last_count = 0
        for index, (seq, path) in enumerate(found):
            if seq < next_seq:
                path.unlink(missing_ok=True)
                continue
            last_seq = seq
            scanned = journal.read_segment(path)
            last_count = len(scanned.records)
            for payload in scanned.records:
                try:
                    record = Record.decode(payload)
                except Exception as exc:
                    report.warnings.append(f"{path.name}: skipped an unreadable record ({exc})")
                    continue
                try:
                    replay(record)
                except Exception as exc:
                    report.warnings.append(
                        f"{path.name}: replaying a {record.service} request failed ({exc})"
                    )
                report.replayed += 1
            if scanned.problem:
                report.warnings.append(
                    f"{path.name}: {scanned.problem}; skipped {path.stat().st_size - scanned.good_end} bytes"
                )
                if index == len(found) - 1:
                    with open(path, "r+b") as file:
                        file.truncate(scanned.good_end)
        for warning in report.warnings:
            log.warning("%s", warning)
        self._journal = journal.Journal(self.folder, last_seq, fsync_each=self.fsync_each)
        self._journal.records = last_count
        return report

    def append(self, record: Record) -> None:
        """Journal one acknowledged request (the caller holds the state lock)."""
        self.current.append(record.encode())

    def due(self, now: float | None = None) -> bool:
        """Whether to compact now.

        At once past the hard bounds; otherwise, so that a restart replays little, whenever a
        modest journal has waited ``max(1 s, 10 x the last snapshot's cost)``: snapshots then
        hold the state lock at most a tenth of the time, however large the state grows.
        """
        current = self.current
        if current.records >= self.max_records or current.size >= self.max_bytes:
            return True
        now = time.monotonic() if now is None else now
        quiet_enough = now - self._last_compaction >= max(_MIN_INTERVAL, _COST_FACTOR * self._last_cost)
        return current.records >= _SOFT_RECORDS and quiet_enough

    def compact(self, state_lock: threading.Lock, live: Mapping[str, Any]) -> None:
        """Snapshot the state and drop the journal segments the snapshot covers."""
        with self._compact_lock:
            started = time.monotonic()
            with state_lock:
                if self.current.records == 0 and (self.folder / SNAPSHOT).exists():
                    return
                new_seq = self.current.rotate()
                blob = snapshot.dump(live, new_seq)
            snapshot.write_atomically(self.folder / SNAPSHOT, blob)
            self._last_compaction = time.monotonic()
            self._last_cost = self._last_compaction - started
            for seq, path in journal.segments(self.folder):
                if seq < new_seq:
                    path.unlink(missing_ok=True)

    def flush(self) -> None:
        if self._journal is not None:
            self._journal.flush()

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None
