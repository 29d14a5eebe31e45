"""Issues for a stage on AWS: failures read from each function's CloudWatch Logs, as SST's console does.

An AWS stage has no ``/squall/invocations`` records, so the console asks each ``/aws/lambda/{name}`` group
for the lines that tell of a failure, with one ``FilterLogEvents`` filter pattern: the Python runtime's
``[ERROR] Type: message`` record (its traceback follows in the same event, lines separated by ``\\r``) and
the ``REPORT RequestId`` line that ends every invocation (``Status: timeout`` / ``Status: error`` and
``Error Type: Runtime.OutOfMemory`` for the failures that print no ``[ERROR]``). In each log stream
invocations run one at a time, so an ``[ERROR]`` belongs to the invocation whose ``REPORT`` comes next; that
line gives its request id. The local cloud writes the same lines, so this path is tested offline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from squall.console.issues import Occurrence
from squall.console.sources import Poller, _Window, log_events, now_ms
from squall.console.triggers import FunctionInfo
from squall.logs.tracebacks import parse_frames

ERROR_PATTERN = '?"[ERROR]" ?"REPORT RequestId"'
_REPORT = re.compile(r"^REPORT RequestId: (?P<rid>\S+)")
_STATUS = re.compile(r"\tStatus: (?P<status>\w+)")
_ERROR_TYPE = re.compile(r"\tError Type: (?P<type>[^\t]+)")
_HEAD = re.compile(r"^\[ERROR\]\s*(?:(?P<type>[\w.]+):\s?)?(?P<message>.*)$")
LOOKBACK_START_MS = 15 * 60 * 1000


def parse_error_event(message: str) -> tuple[str, str, str]:
    """(error type, message, traceback text) of a runtime ``[ERROR]`` record."""
    lines = message.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    head = _HEAD.match(lines[0].strip())
    error_type = (head.group("type") if head else None) or "Error"
    text = head.group("message") if head else lines[0]
    return error_type, text.strip(), "\n".join(lines[1:])


class ErrorLogSource(Poller):
    """Polls the functions' log groups for failures and hands each as an ``Occurrence`` to ``on_found``."""

    name = "console-error-logs"

    def __init__(
        self,
        logs: Any,
        functions: Sequence[FunctionInfo],
        on_found: Callable[[list[Occurrence]], None],
        *,
        interval: float = 2.0,
        start_ms: int | None = None,
    ) -> None:
        super().__init__(interval)
        self._logs = logs
        self._functions = list(functions)
        self._on_found = on_found
        start = now_ms() - LOOKBACK_START_MS if start_ms is None else start_ms
        self._windows = {f.name: _Window(start) for f in self._functions}
        self._pending: dict[tuple[str, str], tuple[int, str]] = {}

    def set_functions(self, functions: Sequence[FunctionInfo]) -> None:
        start = now_ms()
        self._windows = {f.name: self._windows.get(f.name) or _Window(start) for f in functions}
        self._functions = list(functions)

    def poll(self) -> None:
        found: list[Occurrence] = []
        windows = self._windows
        for function in list(self._functions):
            window = windows.get(function.name)
            if window is None:  # the function list changed under this poll
                continue
            events = list(
                log_events(
                    self._logs,
                    function.log_group,
                    window.start_ms,
                    filterPattern=ERROR_PATTERN,
                    interleaved=True,
                )
            )
            events.sort(key=lambda e: (int(e.get("timestamp") or 0), str(e.get("eventId") or "")))
            newest = 0
            for event in events:
                newest = max(newest, int(event.get("timestamp") or 0))
                if window.fresh(event):
                    occurrence = self._event(function.name, event)
                    if occurrence is not None:
                        found.append(occurrence)
            if newest:
                window.advance(newest)
        if found:
            self._on_found(found)

    def _event(self, function: str, event: dict[str, Any]) -> Occurrence | None:
        message = str(event.get("message", "")).rstrip("\n")
        at = int(event.get("timestamp") or 0)
        key = (function, str(event.get("logStreamName", "")))
        if message.lstrip().startswith("[ERROR]"):
            self._pending[key] = (at, message.lstrip())
            return None
        report = _REPORT.match(message)
        if report is None:
            return None
        pending = self._pending.pop(key, None)
        rid = report.group("rid")
        if pending is not None:
            error_type, text, trace = parse_error_event(pending[1])
            return Occurrence(rid, function, pending[0], error_type, text, tuple(parse_frames(trace)))
        status = _STATUS.search(message)
        if status is None:
            return None
        kind = _ERROR_TYPE.search(message)
        if status.group("status") == "timeout":
            return Occurrence(rid, function, at, "Sandbox.Timedout", "Task timed out", ())
        error_type = kind.group("type").strip() if kind else "Runtime.Error"
        return Occurrence(rid, function, at, error_type, status.group("status"), ())
