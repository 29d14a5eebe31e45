"""Log groups are trimmed: retention by age, a cap per stream, and long-empty streams removed."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from squall.cloud.builtins.log_retention import DAY_MS, MAX_EVENTS_PER_GROUP, trim_group

NOW = 1_800_000_000_000


def stream(timestamps: list[int], created: datetime | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        events=[SimpleNamespace(timestamp=t) for t in timestamps],
        first_event_timestamp=timestamps[0] if timestamps else None,
        creation_time=created or datetime.fromtimestamp(NOW / 1000, UTC),
    )


def test_retention_drops_events_older_than_the_groups_days() -> None:
    kept = stream([NOW - 3 * DAY_MS, NOW - 2 * DAY_MS + 1, NOW])
    group = SimpleNamespace(retention_in_days=2, streams={"s": kept})
    assert trim_group(group, NOW) == 1
    assert [e.timestamp for e in kept.events] == [NOW - 2 * DAY_MS + 1, NOW]
    assert kept.first_event_timestamp == NOW - 2 * DAY_MS + 1


def test_each_group_keeps_its_newest_events_across_streams() -> None:
    half = MAX_EVENTS_PER_GROUP // 2
    older = stream(list(range(0, 2 * half, 2)))  # even timestamps
    newer = stream(list(range(1, 2 * half + 20, 2)))  # odd timestamps, 10 more
    group = SimpleNamespace(retention_in_days=None, streams={"a": older, "b": newer})
    assert trim_group(group, NOW) == 10
    remaining = sorted(e.timestamp for s in (older, newer) for e in s.events)
    assert len(remaining) == MAX_EVENTS_PER_GROUP and remaining[0] == 10


def test_streams_empty_for_an_hour_are_removed() -> None:
    old = datetime.fromtimestamp((NOW - 2 * 3_600_000) / 1000, UTC)
    group = SimpleNamespace(
        retention_in_days=None, streams={"old": stream([], old), "new": stream([]), "full": stream([NOW])}
    )
    trim_group(group, NOW)
    assert sorted(group.streams) == ["full", "new"]
