"""Durability: snapshots of moto's state plus the journal of requests made since, and their checks.

Folder layout (``<data>/state``)::

    snapshot-0000000M.snap   the previous snapshot: the state as of the start of segment M
    snapshot-0000000N.snap   the newest: the state as of the start of segment N (N > M)
    journal-0000000M.log     requests acknowledged since M, in order (see journal.py)
    ...
    journal-0000000K.log     the segment being appended to
    bodies/                  large S3 bodies, one file each (see bodies.py)

Recovery checks everything before it changes anything: the newest snapshot's HMAC and versions
(a refused one is never unpickled; the previous snapshot and the journal since then stand in for it),
then every journal segment it needs, record by record. Damage anywhere but a torn tail stops it with
``StateDamaged``, which names the file, the offset and how many intact records follow, and offers
``squall cloud repair`` (``Store.repair``) or ``squall cloud reset``. Only then does it unpickle the
snapshot, replay the records, and cut a torn tail, which it reports.

Compaction (``compact``) rotates the journal under the state lock and ``fork``s: the child owns a
copy-on-write image of the state and writes the snapshot while the parent goes on serving, so a
snapshot holds the lock for the time of a ``fork``, not of a pickle. Afterwards the parent keeps two
snapshots, the segments since the older one and the body files any of them refers to.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import shutil
import signal
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from squall.cloud import journal, snapshot
from squall.cloud.bodies import BodyMissing, BodyStore
from squall.cloud.errors import StateDamaged
from squall.cloud.record import Record

log = logging.getLogger(__name__)

Durability = Literal["default", "strict"]
Progress = Callable[[str, int, int], None]  # (phase, done, total)

_SOFT_RECORDS = 100
_MIN_INTERVAL = 1.0
_COST_FACTOR = 10
_REPLAY_BUDGET = 1.0  # seconds of moto work a restart may have to replay before a snapshot is due
_KEEP_SNAPSHOTS = 2
_REPAIR_HINT = (
    "`squall cloud repair` keeps a backup of the damaged file, replays every intact record and lists the "
    "requests that were lost; `squall cloud reset` wipes the local cloud's data"
)


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


@dataclass
class Recovery:
    """What recovery found, for the log and for ``squall cloud start``."""

    snapshot: str | None = None
    replayed: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class Lost:
    """Requests a damaged stretch of journal held."""

    segment: str
    offset: int
    end: int
    reason: str
    described: str | None = None
    after: int = 0  # the number of the last intact request before it
    numbers: tuple[int, int] | None = None  # the first and last request it held, when an intact one follows
    known: bool = False  # whether an intact request follows (so ``numbers`` is exact)

    def line(self) -> str:
        if not self.known:
            which = f"the requests after #{self.after}, up to the end of the journal"
        elif self.numbers is None:
            which = f"no request (the damaged bytes after #{self.after} held none)"
        elif self.numbers[0] == self.numbers[1]:
            which = f"request #{self.numbers[0]}"
        else:
            which = (
                f"requests #{self.numbers[0]}-#{self.numbers[1]} ({self.numbers[1] - self.numbers[0] + 1})"
            )
        looks = f", which looks like {self.described}" if self.described else ""
        return f"{which}{looks}: {self.segment} bytes {self.offset}-{self.end} ({self.reason})"


@dataclass
class RepairReport:
    backup: Path | None
    replayed: int
    lost: list[Lost]
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Segment:
    seq: int
    path: Path
    scan: journal.Scan
    records: list[Record]
    lost: list[Lost]


@dataclass
class _Plan:
    verified: snapshot.Verified | None
    refused: list[tuple[Path, str]]
    start_seq: int
    next_number: int
    segments: list[_Segment]

    @property
    def damaged(self) -> list[_Segment]:
        return [s for s in self.segments if s.lost]


class Store:
    def __init__(
        self,
        folder: Path,
        *,
        key: bytes,
        durability: Durability = "default",
        max_records: int = 2000,
        max_bytes: int = 64 << 20,
        on_synced: journal.OnSynced | None = None,
    ) -> None:
        self.folder = folder
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.bodies = BodyStore(folder / "bodies")
        self.durability: Durability = durability
        self.max_records = max_records
        self.max_bytes = max_bytes
        self._key = key
        self._on_synced = on_synced
        self._journal: journal.Journal | None = None
        self._compact_lock = threading.Lock()
        self._last_compaction = time.monotonic()
        self._last_cost = 0.0
        self._next_number = 1
        self._segment_bodies: dict[int, set[str]] = {}
        self._replay_cost = 0.0

    @property
    def current(self) -> journal.Journal:
        assert self._journal is not None, "recover() opens the journal"
        return self._journal

    # --- recovery -------------------------------------------------------------------------------

    def recover(
        self, live: Mapping[str, Any], replay: Callable[[Record], None], progress: Progress = _no_progress
    ) -> Recovery:
        """Check, then load the snapshot and replay the journal into ``live``; open the journal."""
        plan = self._plan(progress, tolerate_damage=False)
        report = Recovery()
        for path, why in plan.refused:
            report.warnings.append(
                f"refused the snapshot {path.name}: {why}; used "
                + (plan.verified.path.name if plan.verified else "the journal from its start")
                + " and the journal since then instead (the refused file is kept as "
                + f"{path.name}.refused)"
            )
        self._load(plan, live, replay, progress, report.warnings)
        report.snapshot = plan.verified.path.name if plan.verified else None
        report.replayed = sum(len(s.records) for s in plan.segments)
        for path, _ in plan.refused:
            path.rename(path.with_name(path.name + ".refused"))
        for last in plan.segments:
            if last.scan.torn is None:
                continue
            cut = last.path.stat().st_size - last.scan.good_end
            report.warnings.append(
                f"{last.path.name}: {last.scan.torn}: the local cloud stopped while writing it, before "
                f"answering that request; cut the last {cut} bytes"
            )
            with open(last.path, "r+b") as file:
                file.truncate(last.scan.good_end)
                os.fsync(file.fileno())
        self._open_journal(plan)
        for warning in report.warnings:
            log.warning("%s", warning)
        return report

    def repair(
        self, live: Mapping[str, Any], replay: Callable[[Record], None], progress: Progress = _no_progress
    ) -> RepairReport:
        """Back up damaged segments, replay every intact record, save a snapshot of the result."""
        plan = self._plan(progress, tolerate_damage=True)
        backup: Path | None = None
        damaged = plan.damaged
        if damaged:
            backup = self.folder.parent / time.strftime("damaged-%Y%m%d-%H%M%S")
            backup.mkdir(mode=0o700, exist_ok=True)
            for segment in damaged:
                shutil.copy2(segment.path, backup / segment.path.name)
        report = RepairReport(backup, 0, [lost for s in plan.segments for lost in s.lost])
        for path, why in plan.refused:
            report.warnings.append(f"refused the snapshot {path.name}: {why}")
            if backup is None:
                backup = report.backup = self.folder.parent / time.strftime("damaged-%Y%m%d-%H%M%S")
                backup.mkdir(mode=0o700, exist_ok=True)
            path.rename(backup / path.name)
        self._load(plan, live, replay, progress, report.warnings)
        report.replayed = sum(len(s.records) for s in plan.segments)
        last_seq = plan.segments[-1].seq if plan.segments else plan.start_seq
        self._next_number = max([plan.next_number] + [r.number + 1 for s in plan.segments for r in s.records])
        meta = snapshot.write(
            self.folder / snapshot.name(last_seq + 1), self._key, live, last_seq + 1, self._next_number
        )
        for seq, path in journal.segments(self.folder):
            if seq <= last_seq:
                path.unlink()
        for _, path in snapshot.listing(self.folder)[1:]:
            path.unlink()
        self.bodies.collect(set(meta.bodies), self.bodies.horizon())
        return report

    def _plan(self, progress: Progress, *, tolerate_damage: bool) -> _Plan:
        snaps = snapshot.listing(self.folder)
        segs = journal.segments(self.folder)
        refused: list[tuple[Path, str]] = []
        verified: snapshot.Verified | None = None
        for _, path in snaps:
            try:
                candidate = snapshot.verify(
                    path, self._key, lambda done, total: progress("verify", done, total)
                )
            except snapshot.SnapshotRefused as exc:
                refused.append((path, str(exc)))
                continue
            missing = [n for n in candidate.meta.bodies if not (self.bodies.folder / n).exists()]
            if missing:
                candidate.close()
                refused.append((path, f"it refers to the body file {missing[0]}, which is missing"))
                continue
            verified = candidate
            break
        start_seq = verified.meta.next_segment if verified else 1
        needed = [(seq, path) for seq, path in segs if seq >= start_seq]
        if refused and (verified is None and (not needed or needed[0][0] != 1)):
            path, why = refused[0]
            raise StateDamaged(
                f"the local cloud's snapshot {path} is refused: {why}; no earlier snapshot and journal can "
                "stand in for it, so nothing was loaded or changed",
                hint="`squall cloud reset` wipes the local cloud's data (the refused file is evidence: move it "
                "away first if you want to keep it)",
            )
        segments: list[_Segment] = []
        expected = start_seq
        number = verified.meta.next_request if verified else 1
        # a segment opened ahead of a rotation holds only its magic: the one before it may still end torn
        with_data = [i for i, (_, path) in enumerate(needed) if path.stat().st_size > len(journal.MAGIC)]
        last_with_data = with_data[-1] if with_data else -1
        for index, (seq, path) in enumerate(needed):
            if seq != expected:
                self._refuse(
                    verified,
                    f"the journal segment {segment_path(self.folder, expected)} is missing "
                    f"(the segments go on at {path.name})",
                )
            expected = seq + 1
            last = index >= last_with_data
            data = path.read_bytes()
            scanned = journal.scan(data, last=last)
            segment = _Segment(seq, path, scanned, [], [])
            previous = number - 1
            pending: list[Lost] = []
            holes = list(scanned.damage)

            for offset, payload in zip(scanned.offsets, scanned.records, strict=True):
                while holes and holes[0].offset < offset:
                    pending.append(_lost(path.name, data, holes.pop(0)))
                try:
                    record = Record.decode(payload)
                    if record.body_ref is not None:
                        self.bodies.open(record.body_ref)
                except (ValueError, BodyMissing) as exc:
                    end = offset + journal.HEADER_SIZE + len(payload)
                    pending.append(_lost(path.name, data, journal.Damage(offset, end, str(exc))))
                    continue
                segment.lost += _named(pending, previous, record.number)
                pending = []
                segment.records.append(record)
                previous = record.number
            pending.extend(_lost(path.name, data, hole) for hole in holes)
            segment.lost += _named(pending, previous, None)
            number = previous + 1
            segments.append(segment)
            progress("scan", index + 1, len(needed))
        plan = _Plan(verified, refused, start_seq, number, segments)
        if plan.damaged and not tolerate_damage:
            first = plan.damaged[0]
            hole = first.lost[0]
            after = first.scan.intact_after(hole.offset) + sum(
                len(s.records) for s in segments if s.seq > first.seq
            )
            if verified is not None:
                verified.close()
            lost_count = sum(len(s.lost) for s in plan.damaged)
            raise StateDamaged(
                f"the local cloud's journal {first.path} is damaged at byte {hole.offset}: {hole.reason}; "
                f"{after} intact record{'s' if after != 1 else ''} follow{'s' if after == 1 else ''} it"
                + (f" ({lost_count} damaged stretches in all)" if lost_count > 1 else "")
                + ". Nothing was loaded or changed",
                hint=_REPAIR_HINT,
            )
        return plan

    def _refuse(self, verified: snapshot.Verified | None, message: str) -> None:
        if verified is not None:
            verified.close()
        raise StateDamaged(message + ". Nothing was loaded or changed", hint=_REPAIR_HINT)

    def _load(
        self,
        plan: _Plan,
        live: Mapping[str, Any],
        replay: Callable[[Record], None],
        progress: Progress,
        warnings_out: list[str],
    ) -> None:
        collecting = gc.isenabled()
        gc.disable()  # a restore allocates millions of objects and frees few: collections only cost
        try:
            self._restore(plan, live, replay, progress, warnings_out)
        finally:
            # what was restored lives as long as the daemon: kept out of the collector's generations, or
            # the first collection after this would walk every object just made
            gc.freeze()
            if collecting:
                gc.enable()
        self._next_number = plan.next_number

    def _restore(
        self,
        plan: _Plan,
        live: Mapping[str, Any],
        replay: Callable[[Record], None],
        progress: Progress,
        warnings_out: list[str],
    ) -> None:
        if plan.verified is not None:
            plan.verified.load(live, lambda done, total: progress("load", done, total))
        total = sum(len(s.records) for s in plan.segments)
        done = 0
        for segment in plan.segments:
            self._segment_bodies[segment.seq] = {r.body_ref.name for r in segment.records if r.body_ref}
            for record in segment.records:
                try:
                    replay(record)
                except Exception as exc:
                    warnings_out.append(
                        f"{segment.path.name}: replaying request #{record.number} ({record.describe()}) "
                        f"failed: {exc}"
                    )
                done += 1
                if done % 256 == 0:
                    progress("replay", done, total)
        progress("replay", total, total)

    def _open_journal(self, plan: _Plan) -> None:
        seq = plan.segments[-1].seq if plan.segments else plan.start_seq
        self._journal = journal.Journal(self.folder, seq, on_synced=self._on_synced)
        self._journal.records = len(plan.segments[-1].records) if plan.segments else 0

    # --- the request path -----------------------------------------------------------------------

    def number(self) -> int:
        """The next request number (the caller holds the state lock)."""
        number = self._next_number
        self._next_number += 1
        return number

    def append(self, record: Record, cost: float = 0.0) -> journal.Position:
        """Journal one acknowledged request that took moto ``cost`` seconds (the caller holds the state lock)."""
        self._replay_cost += cost
        position = self.current.append(record.encode())
        if record.body_ref is not None:
            self._segment_bodies.setdefault(position[0], set()).add(record.body_ref.name)
        return position

    def wait_durable(self, position: journal.Position) -> None:
        """In strict mode, return once ``position`` is ``fsync``ed (call without the state lock)."""
        if self.durability == "strict":
            self.current.wait_durable(position)

    def flush(self) -> None:
        if self._journal is not None:
            self._journal.sync()

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    # --- compaction -----------------------------------------------------------------------------

    def due(self, now: float | None = None) -> bool:
        """Whether to compact now.

        At once past the hard bounds, or once replaying the journal would take moto about a second
        (``_REPLAY_BUDGET``), so a restart stays quick; otherwise, so that a restart replays little,
        whenever a modest journal has waited ``max(1 s, 10 x the last snapshot's cost)``: snapshots then
        take at most a tenth of a core, however large the state grows.
        """
        current = self.current
        if current.records >= self.max_records or current.size >= self.max_bytes:
            return True
        if self._replay_cost >= _REPLAY_BUDGET:
            return True
        now = time.monotonic() if now is None else now
        quiet_enough = now - self._last_compaction >= max(_MIN_INTERVAL, _COST_FACTOR * self._last_cost)
        return current.records >= _SOFT_RECORDS and quiet_enough

    def compact(
        self,
        state_lock: threading.Lock,
        live: Mapping[str, Any],
        *,
        fork: bool = True,
        in_child: Callable[[], None] | None = None,
        progress: Progress = _no_progress,
    ) -> None:
        """Snapshot the state and drop what the snapshots no longer need.

        With ``fork`` the state lock is held only to rotate the journal and fork; ``in_child`` runs
        first thing in the child (the server closes its sockets there).
        """
        with self._compact_lock:
            started = time.monotonic()
            self.current.prepare()
            waited = time.monotonic()
            with state_lock:
                locked = time.monotonic()
                if self.current.records == 0 and snapshot.listing(self.folder):
                    return
                new_seq = self.current.rotate()
                self._replay_cost = 0.0
                number = self._next_number
                horizon = self.bodies.horizon()
                target = self.folder / snapshot.name(new_seq)
                if fork:
                    pid = self._fork_writer(target, live, new_seq, number, in_child)
                else:
                    snapshot.write(target, self._key, live, new_seq, number)
                held = time.monotonic() - locked
            self.current.sync()
            if fork:
                self._wait_writer(pid, target, progress)
            self._retire(horizon)
            self._last_compaction = time.monotonic()
            self._last_cost = self._last_compaction - started
            log.info(
                "snapshot %s written in %.2f s; the state lock was held %.1f ms (after %.1f ms waiting for it)",
                target.name,
                self._last_cost,
                held * 1000,
                (locked - waited) * 1000,
            )

    def _fork_writer(
        self,
        target: Path,
        live: Mapping[str, Any],
        new_seq: int,
        number: int,
        in_child: Callable[[], None] | None,
    ) -> int:
        parent = os.getpid()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: the child only pickles
            pid = os.fork()
        if pid:
            return pid
        code = 1
        try:
            _die_with(parent)
            gc.disable()
            if in_child is not None:
                in_child()
            snapshot.write(target, self._key, live, new_seq, number)
            code = 0
        except BaseException:
            with contextlib.suppress(Exception):
                os.write(2, f"snapshot writer failed:\n{traceback.format_exc()}".encode())
        finally:
            os._exit(code)

    def _wait_writer(self, pid: int, target: Path, progress: Progress) -> None:
        tmp = target.with_name(target.name + ".tmp")
        while True:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            with contextlib.suppress(OSError):
                progress("compact", tmp.stat().st_size, 0)
            time.sleep(0.01)
        code = os.waitstatus_to_exitcode(raw)
        if code != 0:
            tmp.unlink(missing_ok=True)
            raise RuntimeError(f"the snapshot writer exited with {code}")

    def _retire(self, horizon: int) -> None:
        snaps = snapshot.listing(self.folder)
        kept = snaps[:_KEEP_SNAPSHOTS]
        for _, path in snaps[_KEEP_SNAPSHOTS:]:
            path.unlink(missing_ok=True)
        for leftover in self.folder.glob(f"{snapshot.PREFIX}*.tmp"):
            leftover.unlink(missing_ok=True)
        oldest = kept[-1][0]
        for seq, path in journal.segments(self.folder):
            if seq < oldest:
                path.unlink(missing_ok=True)
                self._segment_bodies.pop(seq, None)
        referenced: set[str] = set()
        for _, path in kept:
            verified = snapshot.verify(path, self._key)
            referenced.update(verified.meta.bodies)
            verified.close()
        for names in self._segment_bodies.values():
            referenced |= names
        self.bodies.collect(referenced, horizon)


def segment_path(folder: Path, seq: int) -> Path:
    return folder / journal.segment_name(seq)


def _die_with(parent: int) -> None:
    """Make this forked child die with its parent (Linux), so a ``kill -9`` stops it too."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _lost(segment: str, data: bytes, hole: journal.Damage) -> Lost:
    """A damaged stretch, described from what is left of its record when its header is intact."""
    described: str | None = None
    with contextlib.suppress(Exception):
        record = Record.decode(data[hole.offset + journal.HEADER_SIZE : hole.end])
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.at))
        described = f"#{record.number} {record.describe()} at {when}"
    return Lost(segment, hole.offset, hole.end, hole.reason, described)


def _named(losses: list[Lost], previous: int, following: int | None) -> list[Lost]:
    """Name the requests damaged stretches held from the numbers of the intact records around them."""
    for lost in losses:
        lost.after = previous
        lost.known = following is not None
        if following is not None and following > previous + 1:
            lost.numbers = (previous + 1, following - 1)
    return losses
