"""Per-function numbers for the Functions page: invocations, errors, p50 and p99 durations."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from squall.runtime.records import InvocationRecord


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (``fraction`` in 0..1); None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class FunctionStats:
    invocations: int
    errors: int
    p50: float | None
    p99: float | None
    last_at: int | None

    def to_json(self) -> dict[str, object]:
        return {
            "invocations": self.invocations,
            "errors": self.errors,
            "p50": self.p50,
            "p99": self.p99,
            "lastAt": self.last_at,
        }


EMPTY = FunctionStats(0, 0, None, None, None)


def function_stats(records: Iterable[InvocationRecord]) -> dict[str, FunctionStats]:
    """Stats keyed by function name."""
    durations: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    last: dict[str, int] = {}
    for record in records:
        durations.setdefault(record.function, []).append(record.durationMs)
        errors[record.function] = errors.get(record.function, 0) + (1 if record.error else 0)
        last[record.function] = max(last.get(record.function, 0), record.at)
    return {
        name: FunctionStats(
            len(values), errors[name], percentile(values, 0.5), percentile(values, 0.99), last[name]
        )
        for name, values in durations.items()
    }
