"""What a handler wrote during one invocation, as the dev terminal shows it under the invocation's line.

An invocation's log (``InvocationResult.logs``) is what CloudWatch receives: Lambda's platform lines
(``START``, ``END``, ``REPORT``...), the handler's ``print`` output and its ``logging`` records in the AWS
runtime's tab-separated format, and the runtime's own ``[ERROR]`` record when it failed. The terminal already
shows the outcome and the error, so it keeps only the handler's own lines, each ``logging`` record shortened to
its level and message. ``Overlaps`` tells when another function ran at the same time, so the lines of several
functions stay told apart by a prefix.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping

from squall.runtime import InvocationResult

PLATFORM_PREFIXES = (
    "START RequestId:",
    "END RequestId:",
    "REPORT RequestId:",
    "INIT_START ",
    "INIT_REPORT ",
)
_LOGGING_RECORD = re.compile(r"^\[([A-Z]+)\]\t\S+\t\S*\t(.*)$", re.DOTALL)


def handler_lines(result: InvocationResult) -> list[str]:
    """The handler's output lines, without Lambda's platform lines or the error the runtime logged."""
    error_type = ""
    if result.error_type and isinstance(result.payload, Mapping):
        error_type = str(result.payload.get("errorType") or "")
    lines: list[str] = []
    for record in result.logs.split("\n"):
        if not record.strip() or record.startswith(PLATFORM_PREFIXES):
            continue
        rid = result.request_id
        if rid and (f"{rid} Task timed out after" in record or record.startswith(f"RequestId: {rid} Error:")):
            continue
        if error_type and (record.startswith(f"[ERROR] {error_type}") or record == error_type):
            continue
        match = _LOGGING_RECORD.match(record)
        if match:
            record = f"[{match.group(1)}] {match.group(2)}"
        lines.extend(part.rstrip() for part in record.split("\r"))
    return lines


class Overlaps:
    """Remembers recent invocations' time spans to tell when two functions ran at once."""

    WINDOW_SECONDS = 30.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}
        self._spans: list[tuple[str, float, float]] = []

    def begin(self, function: str) -> None:
        with self._lock:
            self._running[function] = self._running.get(function, 0) + 1

    def end(self, function: str) -> None:
        with self._lock:
            count = self._running.get(function, 0) - 1
            if count > 0:
                self._running[function] = count
            else:
                self._running.pop(function, None)

    def finished(self, function: str, duration_ms: float) -> bool:
        """Record ``function``'s invocation that just finished; whether another function ran during it."""
        now = self._clock()
        start = now - duration_ms / 1000
        with self._lock:
            self._spans = [s for s in self._spans if s[2] > now - self.WINDOW_SECONDS]
            others = any(name != function for name in self._running) or any(
                name != function and begin < now and end > start for name, begin, end in self._spans
            )
            self._spans.append((function, start, now))
        return others
