"""Searching the stage's logs: a CloudWatch filter pattern over every function's log group, merged by time.

The pattern goes to ``FilterLogEvents`` itself (AWS filters on its side; the local cloud filters with
``squall.logs.filter_pattern``, the same code), after the console checked it with that module so a typo is
a clear 400 rather than a log group's error. Lines from all functions come back as one stream ordered by
timestamp: the newest ``limit`` of them, or with a start time (jump to a time) the first ``limit`` from it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from squall.console.errors import BadRequest, NotFound
from squall.console.sources import LogLine, log_events, now_ms, request_id_of
from squall.console.triggers import FunctionInfo
from squall.logs.filter_pattern import FilterPatternError, compile_pattern

DEFAULT_WINDOW_MS = 24 * 3600 * 1000
MAX_PAGES = 200


def search_logs(
    logs: Any,
    functions: Sequence[FunctionInfo],
    pattern: str,
    function: str | None,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    limit: int = 2000,
) -> dict[str, Any]:
    try:
        compile_pattern(pattern)
    except FilterPatternError as exc:
        raise BadRequest(str(exc)) from exc
    chosen = [f for f in functions if not function or function in (f.name, f.logical_id)]
    if function and not chosen:
        raise NotFound(f"the stage has no function {function!r}")
    end = end_ms if end_ms is not None else now_ms() + 60_000
    start = start_ms if start_ms is not None else end - DEFAULT_WINDOW_MS
    params: dict[str, Any] = {"endTime": end, "interleaved": True}
    if pattern.strip():
        params["filterPattern"] = pattern
    limit = max(1, min(limit, 20_000))
    found: list[tuple[int, str, LogLine]] = []
    truncated = False
    for info in chosen:
        kept: deque[tuple[int, str, LogLine]] = deque(maxlen=limit)
        for event in log_events(logs, info.log_group, start, max_pages=MAX_PAGES, **params):
            message = str(event.get("message", "")).rstrip("\n")
            marker = request_id_of(message)
            line = LogLine(
                int(event.get("timestamp") or 0), info.name, message, marker[1] if marker else None
            )
            if len(kept) == limit:
                truncated = True
            kept.append((line.at, str(event.get("eventId") or ""), line))
            if start_ms is not None and len(kept) == limit:
                break  # from a start time, the first ``limit`` lines are the ones wanted
        found.extend(kept)
    found.sort(key=lambda item: (item[0], item[1]))
    if len(found) > limit:
        truncated = True
        found = found[:limit] if start_ms is not None else found[-limit:]
    return {"lines": [line.to_json() for _, _, line in found], "truncated": truncated}
