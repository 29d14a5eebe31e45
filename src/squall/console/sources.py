"""Reading the target's CloudWatch Logs: invocation records and function output, polled in threads.

``InvocationSource`` reads ``/squall/invocations`` into the ``InvocationStore``; ``LogTail`` reads each
function's ``/aws/lambda/{name}`` group. Both re-read a short window behind their cursor, because log events
are stamped when they are produced and may land a little later; event ids make re-reading harmless.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from squall.console.broadcast import Broadcaster
from squall.console.store import InvocationStore
from squall.console.triggers import FunctionInfo
from squall.runtime.records import INVOCATIONS_LOG_GROUP, InvocationRecord

log = logging.getLogger(__name__)
LOOKBACK_MS = 10_000
BACKLOG_LINES = 2000


def common_prefix(names: set[str]) -> str:
    """The longest string every name starts with (names are not paths: compare characters)."""
    if not names:
        return ""
    low, high = min(names), max(names)
    size = 0
    while size < min(len(low), len(high)) and low[size] == high[size]:
        size += 1
    return low[:size]


def now_ms() -> int:
    return int(time.time() * 1000)


def log_events(
    logs: Any, group: str, start_ms: int, *, max_pages: int | None = None, **extra: Any
) -> Iterator[dict[str, Any]]:
    """Every event of ``group`` since ``start_ms`` (from at most ``max_pages`` pages, when given); nothing
    when the group does not exist (yet)."""
    token: str | None = None
    pages = 0
    while max_pages is None or pages < max_pages:
        pages += 1
        params: dict[str, Any] = {"logGroupName": group, "startTime": start_ms, **extra}
        if token:
            params["nextToken"] = token
        try:
            page = logs.filter_log_events(**params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return
            raise
        yield from page.get("events", [])
        next_token = page.get("nextToken")
        if not next_token or next_token == token:
            return
        token = next_token


class Poller:
    """A daemon thread that calls ``poll`` every ``interval`` seconds until stopped."""

    name = "console-poller"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> None:
        raise NotImplementedError

    def active(self) -> bool:
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.active():
                try:
                    self.poll()
                except (BotoCoreError, ClientError) as exc:
                    log.debug("console poll failed: %s", exc)
            self._stop.wait(self.interval)


class _Window:
    """Event ids seen within the look-back window, and the cursor to read from next."""

    def __init__(self, start_ms: int) -> None:
        self.start_ms = start_ms
        self._seen: dict[str, int] = {}

    def fresh(self, event: dict[str, Any]) -> bool:
        event_id = str(event.get("eventId") or f"{event.get('timestamp')}:{event.get('message')}")
        if event_id in self._seen:
            return False
        self._seen[event_id] = int(event.get("timestamp") or 0)
        return True

    def advance(self, newest_ms: int) -> None:
        self.start_ms = max(self.start_ms, newest_ms - LOOKBACK_MS)
        self._seen = {k: t for k, t in self._seen.items() if t >= self.start_ms}


class InvocationSource(Poller):
    """Fills ``store`` from ``/squall/invocations`` (streams named after the stage's functions)."""

    name = "console-invocations"

    def __init__(
        self,
        logs: Any,
        functions: Sequence[FunctionInfo],
        store: InvocationStore,
        on_new: Callable[[list[InvocationRecord]], None],
        *,
        interval: float = 0.5,
    ) -> None:
        super().__init__(interval)
        self._logs = logs
        self._names = {f.name for f in functions}
        self._prefix = common_prefix(self._names)
        self._store = store
        self._on_new = on_new
        self._window = _Window(0)

    def set_functions(self, functions: Sequence[FunctionInfo]) -> None:
        """The stage's functions changed (dev re-applied squall.config.py)."""
        self._names = {f.name for f in functions}
        self._prefix = common_prefix(self._names)

    def poll(self) -> None:
        if not self._names:
            return
        extra: dict[str, Any] = {"logStreamNamePrefix": self._prefix} if self._prefix else {}
        records: list[InvocationRecord] = []
        newest = 0
        for event in log_events(self._logs, INVOCATIONS_LOG_GROUP, self._window.start_ms, **extra):
            newest = max(newest, int(event.get("timestamp") or 0))
            if not self._window.fresh(event):
                continue
            record = InvocationRecord.parse(str(event.get("message", "")))
            if record is not None and record.function in self._names:
                records.append(record)
        if newest:
            self._window.advance(newest)
        fresh = self._store.add(records)
        if fresh:
            self._on_new(fresh)


@dataclass(frozen=True)
class LogLine:
    at: int
    function: str
    message: str
    requestId: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "function": self.function,
            "message": self.message,
            "requestId": self.requestId,
        }


def request_id_of(message: str) -> tuple[str, str] | None:
    """``("START", id)`` / ``("END", id)`` / ``("REPORT", id)`` for the runtime's own lines."""
    for marker in ("START", "END", "REPORT"):
        prefix = f"{marker} RequestId: "
        if message.startswith(prefix):
            rest = message[len(prefix) :]
            return marker, rest.split()[0] if rest.split() else ""
    return None


class LogTail(Poller):
    """Output of the stage's functions as ``LogLine``s: the newest kept, new ones broadcast.

    Polls only while someone listens. Lines of invocations that the live feed already delivered (with
    their logs) are skipped, so dev's functions do not show up twice.
    """

    name = "console-logs"

    def __init__(self, logs: Any, functions: Sequence[FunctionInfo], *, interval: float = 0.25) -> None:
        super().__init__(interval)
        self._logs = logs
        self._functions = list(functions)
        self.broadcaster: Broadcaster[LogLine] = Broadcaster()
        self._lock = threading.Lock()
        self._backlog: deque[LogLine] = deque(maxlen=BACKLOG_LINES)
        start = now_ms() - 15 * 60 * 1000
        self._windows = {f.name: _Window(start) for f in self._functions}
        self._current: dict[tuple[str, str], str] = {}
        self._fed: deque[str] = deque(maxlen=10_000)
        self._fed_set: set[str] = set()
        self._wanted = threading.Event()

    def set_functions(self, functions: Sequence[FunctionInfo]) -> None:
        """The stage's functions changed: new ones are tailed from now on, removed ones no longer."""
        with self._lock:
            start = now_ms()
            self._windows = {f.name: self._windows.get(f.name) or _Window(start) for f in functions}
            self._functions = list(functions)

    def backlog(self) -> list[LogLine]:
        with self._lock:
            return list(self._backlog)

    def want(self) -> None:
        """Start polling (the first listener arrived)."""
        self._wanted.set()

    def active(self) -> bool:
        return self._wanted.is_set()

    def from_feed(self, record: InvocationRecord) -> None:
        """Lines of an invocation the live feed delivered."""
        with self._lock:
            if len(self._fed) == self._fed.maxlen:
                self._fed_set.discard(self._fed[0])
            self._fed.append(record.requestId)
            self._fed_set.add(record.requestId)
        # One log record per "\n", as Lambda ships them: a traceback record keeps its "\r"s inside.
        for line in record.logs.split("\n"):
            if line.strip():
                self._emit(LogLine(record.at, record.function, line, record.requestId))

    def _emit(self, line: LogLine) -> None:
        with self._lock:
            # Lines from the live feed and from the log groups meet here: keep the backlog in time order.
            if self._backlog and self._backlog[-1].at > line.at:
                if len(self._backlog) == self._backlog.maxlen:
                    self._backlog.popleft()
                index = bisect.bisect_right([kept.at for kept in self._backlog], line.at)
                self._backlog.insert(index, line)
            else:
                self._backlog.append(line)
        self.broadcaster.publish(line)

    def poll(self) -> None:
        # Every function's new events first, then one merge by time: "All functions" is one stream.
        fresh: list[tuple[int, str, str, dict[str, Any]]] = []
        windows = self._windows
        for function in list(self._functions):
            window = windows.get(function.name)
            if window is None:  # the function list changed under this poll
                continue
            newest = 0
            for event in log_events(self._logs, function.log_group, window.start_ms, interleaved=True):
                newest = max(newest, int(event.get("timestamp") or 0))
                if window.fresh(event):
                    stamp = int(event.get("timestamp") or 0)
                    fresh.append((stamp, str(event.get("eventId") or ""), function.name, event))
            if newest:
                window.advance(newest)
        fresh.sort(key=lambda item: (item[0], item[1]))
        for _, _, name, event in fresh:
            self._line(name, event)

    def _line(self, function: str, event: dict[str, Any]) -> None:
        message = str(event.get("message", "")).rstrip("\n")
        key = (function, str(event.get("logStreamName", "")))
        marker = request_id_of(message)
        if marker and marker[0] == "START":
            self._current[key] = marker[1]
        request_id = marker[1] if marker else self._current.get(key)
        with self._lock:
            skip = request_id is not None and request_id in self._fed_set
        if not skip:
            # A logging record is one event with \r between its lines: shown as the lines it holds.
            for part in message.split("\r"):
                self._emit(LogLine(int(event.get("timestamp") or 0), function, part, request_id))
