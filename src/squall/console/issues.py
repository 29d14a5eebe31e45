"""Issues: failed invocations grouped by what failed, so a hundred failures of one bug are one line to read.

Every failed invocation (an error the handler raised, a timeout, running out of memory, a failed init) is an
``Occurrence``. Occurrences with the same error type and the same innermost frame of the user's own code
(``squall.logs.tracebacks``: library frames below it do not split a group) are one ``Issue``; an error with
no user frame at all (a timeout, an import error) is grouped by its type and function. ``IssueTracker``
keeps the issues, takes occurrences from any source (the invocation store, the dev session's feed, the
CloudWatch Logs of an AWS stage) and remembers what the developer decided: a resolved issue opens again when
it happens after it was resolved, an ignored one stays quiet. Those decisions are kept per stage by an
``IssueDecisions`` store (a private JSON file in the project's ``.squall/``).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from squall.logs.tracebacks import Frame, code_path, folded_json, innermost_user_frame, parse_frames
from squall.runtime.records import InvocationRecord

Status = Literal["open", "resolved", "ignored"]
STATUSES: tuple[Status, ...] = ("open", "resolved", "ignored")
KEEP_REQUESTS = 50
KEEP_SEEN = 100_000
"""Request ids remembered to make ``observe`` idempotent (more than the console keeps invocations)."""
SPARK_BUCKETS = 24
SPARK_BUCKET_MS = 3_600_000
"""The sparkline shows the last 24 hours, an hour a bar."""


@dataclass(frozen=True)
class Occurrence:
    request_id: str
    function: str
    at: int
    error_type: str
    message: str
    frames: tuple[Frame, ...]

    def fingerprint(self, roots: Sequence[str] = ()) -> str:
        """The group key: the error type and the innermost user frame's file (wherever the code ran) and
        function, not its line, so an edit above it does not start a new issue."""
        frame = innermost_user_frame(self.frames)
        where = (
            f"{code_path(frame.file, roots)}:{frame.name}"
            if frame is not None
            else f"function:{self.function}"
        )
        return hashlib.sha256(f"{self.error_type}\n{where}".encode()).hexdigest()[:16]


def occurrence_of(record: InvocationRecord) -> Occurrence | None:
    """The failure an invocation record shows, or None when it succeeded."""
    if not record.error:
        return None
    payload = record.response if isinstance(record.response, dict) else {}
    error_type = str(payload.get("errorType") or record.errorType or "Error")
    frames = parse_frames(payload.get("stackTrace"))
    return Occurrence(
        record.requestId,
        record.function,
        record.at,
        error_type,
        str(payload.get("errorMessage") or ""),
        tuple(frames),
    )


@dataclass
class Issue:
    id: str
    error_type: str
    message: str
    frames: tuple[Frame, ...]
    first_seen: int
    last_seen: int
    count: int = 0
    functions: set[str] = field(default_factory=set)
    requests: deque[tuple[int, str, str]] = field(default_factory=lambda: deque(maxlen=KEEP_REQUESTS))
    times: deque[int] = field(default_factory=lambda: deque(maxlen=10_000))
    status: Status = "open"
    decided_at: int = 0
    roots: tuple[str, ...] = ()

    def add(self, occurrence: Occurrence) -> None:
        self.count += 1
        self.functions.add(occurrence.function)
        self.requests.append((occurrence.at, occurrence.request_id, occurrence.function))
        self.times.append(occurrence.at)
        self.first_seen = min(self.first_seen, occurrence.at)
        if occurrence.at >= self.last_seen:
            self.last_seen = occurrence.at
            self.message = occurrence.message
            self.frames = occurrence.frames

    def where(self) -> str:
        frame = innermost_user_frame(self.frames)
        return (
            f"{code_path(frame.file, self.roots)}:{frame.line} in {frame.name}" if frame is not None else ""
        )

    def spark(self, now_ms: int) -> list[int]:
        counts = [0] * SPARK_BUCKETS
        start = now_ms - SPARK_BUCKETS * SPARK_BUCKET_MS
        for at in self.times:
            if at > start:
                counts[min(SPARK_BUCKETS - 1, (at - start) // SPARK_BUCKET_MS)] += 1
        return counts

    def summary(self, now_ms: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "errorType": self.error_type,
            "message": self.message,
            "where": self.where(),
            "count": self.count,
            "firstSeen": self.first_seen,
            "lastSeen": self.last_seen,
            "functions": sorted(self.functions),
            "status": self.status,
            "spark": self.spark(now_ms),
        }

    def detail(self, now_ms: int) -> dict[str, Any]:
        return {
            **self.summary(now_ms),
            "trace": folded_json(self.frames, self.roots),
            "invocations": [
                {"at": at, "requestId": request_id, "function": function}
                for at, request_id, function in sorted(self.requests, reverse=True)
            ],
        }


class IssueDecisions(Protocol):
    """Where resolve/ignore decisions are kept: ``{issue id: (status, when)}``."""

    def load(self) -> dict[str, tuple[Status, int]]: ...

    def save(self, decisions: dict[str, tuple[Status, int]]) -> None: ...


class MemoryDecisions:
    def __init__(self) -> None:
        self.saved: dict[str, tuple[Status, int]] = {}

    def load(self) -> dict[str, tuple[Status, int]]:
        return dict(self.saved)

    def save(self, decisions: dict[str, tuple[Status, int]]) -> None:
        self.saved = dict(decisions)


class FileDecisions:
    """Decisions in a private JSON file, e.g. ``.squall/console/STAGE.issues.json``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, tuple[Status, int]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        out: dict[str, tuple[Status, int]] = {}
        for key, value in (data.get("issues") or {}).items() if isinstance(data, dict) else ():
            if isinstance(value, dict) and value.get("status") in STATUSES:
                out[str(key)] = (value["status"], int(value.get("at") or 0))
        return out

    def save(self, decisions: dict[str, tuple[Status, int]]) -> None:
        from squall.home import write_private

        document = {"issues": {k: {"status": s, "at": at} for k, (s, at) in sorted(decisions.items())}}
        write_private(self.path, json.dumps(document, indent=1))


NewIssue = Callable[[Issue, Occurrence], None]


class IssueTracker:
    """Thread-safe; ``observe`` is idempotent per request id, so sources may overlap."""

    def __init__(
        self,
        decisions: IssueDecisions | None = None,
        *,
        clock: Callable[[], float] = time.time,
        on_new: NewIssue | None = None,
        roots: Sequence[str] = (),
    ) -> None:
        self._roots = tuple(roots)
        self._lock = threading.Lock()
        self._issues: dict[str, Issue] = {}
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque()
        self._decisions = decisions or MemoryDecisions()
        self._decided = self._decisions.load()
        self._clock = clock
        self.on_new = on_new

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def observe_records(self, records: Iterable[InvocationRecord]) -> None:
        self.observe(o for o in map(occurrence_of, records) if o is not None)

    def observe(self, occurrences: Iterable[Occurrence]) -> None:
        announce: list[tuple[Issue, Occurrence]] = []
        with self._lock:
            for occurrence in sorted(occurrences, key=lambda o: o.at):
                if occurrence.request_id in self._seen:
                    continue
                self._seen.add(occurrence.request_id)
                self._seen_order.append(occurrence.request_id)
                if len(self._seen_order) > KEEP_SEEN:
                    self._seen.discard(self._seen_order.popleft())
                key = occurrence.fingerprint(self._roots)
                issue = self._issues.get(key)
                if issue is None:
                    issue = Issue(
                        key,
                        occurrence.error_type,
                        occurrence.message,
                        occurrence.frames,
                        occurrence.at,
                        occurrence.at,
                        roots=self._roots,
                    )
                    status, decided_at = self._decided.get(key, ("open", 0))
                    issue.status, issue.decided_at = status, decided_at
                    self._issues[key] = issue
                    if status == "open":
                        announce.append((issue, occurrence))
                issue.add(occurrence)
                if issue.status == "resolved" and occurrence.at > issue.decided_at:
                    issue.status = "open"
                    self._decided.pop(key, None)
                    self._decisions.save(self._decided)
        if self.on_new is not None:
            for issue, occurrence in announce:
                self.on_new(issue, occurrence)

    def list(self, status: str | None = None) -> list[dict[str, Any]]:
        now = self._now_ms()
        with self._lock:
            issues = [i for i in self._issues.values() if status in (None, "", "all") or i.status == status]
            return [i.summary(now) for i in sorted(issues, key=lambda i: -i.last_seen)]

    def get(self, issue_id: str) -> dict[str, Any] | None:
        with self._lock:
            issue = self._issues.get(issue_id)
            return issue.detail(self._now_ms()) if issue is not None else None

    def decide(self, issue_id: str, status: Status) -> dict[str, Any] | None:
        """Resolve, ignore or reopen an issue; None when there is no such issue."""
        with self._lock:
            issue = self._issues.get(issue_id)
            if issue is None:
                return None
            issue.status = status
            issue.decided_at = max(self._now_ms(), issue.last_seen)
            if status == "open":
                self._decided.pop(issue_id, None)
            else:
                self._decided[issue_id] = (status, issue.decided_at)
            self._decisions.save(self._decided)
            return issue.summary(self._now_ms())
