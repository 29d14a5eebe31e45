"""The invocations the console knows about, newest first, with filtering for the Invocations page.

Records arrive from two places (the ``/squall/invocations`` log group and the dev session's live feed),
possibly both for the same invocation; the request id makes ``add`` idempotent.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from squall.console.stats import FunctionStats, function_stats
from squall.runtime.records import InvocationRecord

StatusFilter = Literal["all", "ok", "error"]
KEEP = 50_000


@dataclass(frozen=True)
class InvocationQuery:
    function: str | None = None
    status: StatusFilter = "all"
    text: str = ""
    limit: int = KEEP

    def accepts(self, record: InvocationRecord) -> bool:
        if self.function and record.function != self.function:
            return False
        if self.status == "ok" and record.error:
            return False
        if self.status == "error" and not record.error:
            return False
        return not self.text or record.matches(self.text)


class InvocationStore:
    """Thread-safe; keeps the newest ``keep`` records ordered by start time."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._by_id: dict[str, InvocationRecord] = {}
        self._order: list[tuple[int, str]] = []
        """(-at, requestId), ascending: newest first."""

    def __len__(self) -> int:
        with self._lock:
            return len(self._order)

    def add(self, records: Iterable[InvocationRecord]) -> list[InvocationRecord]:
        """Store the records not seen before; returns those."""
        fresh: list[InvocationRecord] = []
        with self._lock:
            for record in records:
                if record.requestId in self._by_id:
                    continue
                self._by_id[record.requestId] = record
                bisect.insort(self._order, (-record.at, record.requestId))
                fresh.append(record)
            while len(self._order) > self._keep:
                _, dropped = self._order.pop()
                self._by_id.pop(dropped, None)
        return fresh

    def get(self, request_id: str) -> InvocationRecord | None:
        with self._lock:
            return self._by_id.get(request_id)

    def query(self, query: InvocationQuery) -> tuple[list[InvocationRecord], int]:
        """The matching records newest first (at most ``query.limit``), and how many match in all."""
        with self._lock:
            records = [self._by_id[request_id] for _, request_id in self._order]
        matching = [r for r in records if query.accepts(r)]
        return matching[: max(0, query.limit)], len(matching)

    def stats(self) -> dict[str, FunctionStats]:
        with self._lock:
            records = list(self._by_id.values())
        return function_stats(records)

    def summaries(self, query: InvocationQuery) -> dict[str, Any]:
        records, total = self.query(query)
        return {"items": [r.summary() for r in records], "total": total}
