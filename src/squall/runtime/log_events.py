"""An invocation's output as CloudWatch Logs records it: one event per line, each with its own time.

The worker sends output as it is written (``process.Frames``); each line of it becomes one event stamped
with when it arrived, and a write without a trailing newline (flushed before the result) is an event of
its own. A logging record is one line whatever it holds: the runtime writes ``\\r`` between its lines, as
AWS's does, and whatever shows the record turns the ``\\r`` back into line breaks (``as_text``).

Lambda's platform lines come in the function's log format: ``Text`` (``START``/``END``/``REPORT``) or
``JSON`` (``platform.start`` and ``platform.report`` records, as Lambda's advanced logging controls write
them).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from squall.runtime.results import billed_ms, end_line, report_line, start_line

LogEvent = tuple[int, str]
"""(epoch milliseconds, message): one CloudWatch Logs event."""


def split_frames(frames: Iterable[tuple[int, str]]) -> list[LogEvent]:
    """Each line of each frame as its own event; empty lines are dropped, as CloudWatch has no empty event."""
    return [(at, line) for at, text in frames for line in text.split("\n") if line]


def as_text(message: str) -> str:
    """A record as the multi-line text it is (``\\r`` between its lines)."""
    return message.replace("\r", "\n")


def joined(events: Iterable[LogEvent]) -> str:
    return "".join(message + "\n" for _, message in events)


def _iso(at_ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at_ms / 1000)) + f".{at_ms % 1000:03d}Z"


def start_event(request_id: str, at_ms: int, log_format: str) -> LogEvent:
    if log_format == "JSON":
        record = {"requestId": request_id, "version": "$LATEST"}
        return at_ms, json.dumps({"time": _iso(at_ms), "type": "platform.start", "record": record})
    return at_ms, start_line(request_id).rstrip("\n")


def end_events(
    request_id: str,
    at_ms: int,
    log_format: str,
    *,
    duration_ms: float,
    memory_size: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None,
    status: str | None,
    error_type: str | None,
) -> list[LogEvent]:
    """``END`` and ``REPORT`` (Text), or the ``platform.report`` record (JSON)."""
    if log_format == "JSON":
        metrics: dict[str, object] = {
            "durationMs": round(duration_ms, 3),
            "billedDurationMs": billed_ms(duration_ms),
            "memorySizeMB": memory_size,
            "maxMemoryUsedMB": max_memory_used_mb,
        }
        if init_duration_ms is not None:
            metrics["initDurationMs"] = round(init_duration_ms, 3)
        record: dict[str, object] = {
            "requestId": request_id,
            "metrics": metrics,
            "status": status or "success",
        }
        if error_type:
            record["errorType"] = error_type
        return [(at_ms, json.dumps({"time": _iso(at_ms), "type": "platform.report", "record": record}))]
    report = report_line(
        request_id,
        duration_ms=duration_ms,
        memory_size=memory_size,
        max_memory_used_mb=max_memory_used_mb,
        init_duration_ms=init_duration_ms,
        status=status,
        error_type=error_type,
    )
    return [(at_ms, end_line(request_id).rstrip("\n")), (at_ms, report.rstrip("\n"))]
