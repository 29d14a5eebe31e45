"""Keeping CloudWatch Logs bounded in the local cloud, as AWS's retention does.

Every invocation adds log events, and the local cloud keeps its whole state in one snapshot, so logs
that only grow would make every snapshot (and every restart) slower. A background pass trims each log
group: events older than the group's ``RetentionInDays`` go (AWS deletes them too), each group keeps at
most its newest ``MAX_EVENTS_PER_GROUP`` events (across its streams), and streams left empty for an hour
are removed.
"""

from __future__ import annotations

import heapq
import time
from datetime import UTC, datetime
from typing import Any

from squall.cloud.plugins import CloudContext, Registry

MAX_EVENTS_PER_GROUP = 10_000
EMPTY_STREAM_SECONDS = 3600
PASS_SECONDS = 10.0
DAY_MS = 86_400_000


def trim_group(group: Any, now_ms: int) -> int:
    """Trim one moto log group in place; how many events it dropped."""
    streams = list(group.streams.items())
    oldest = now_ms - int(group.retention_in_days) * DAY_MS if group.retention_in_days else None
    total = sum(len(stream.events) for _, stream in streams)
    if total > MAX_EVENTS_PER_GROUP:
        newest = heapq.nlargest(MAX_EVENTS_PER_GROUP, (e.timestamp for _, s in streams for e in s.events))
        cutoff = newest[-1]
        oldest = cutoff if oldest is None else max(oldest, cutoff)
    dropped = 0
    for name, stream in streams:
        events = stream.events
        keep_from = 0
        if oldest is not None:
            while keep_from < len(events) and events[keep_from].timestamp < oldest:
                keep_from += 1
        if keep_from:
            del events[:keep_from]
            dropped += keep_from
            stream.first_event_timestamp = events[0].timestamp if events else None
        if not events:
            created = _epoch_ms(stream.creation_time) if stream.creation_time else now_ms
            if now_ms - created > EMPTY_STREAM_SECONDS * 1000:
                del group.streams[name]
    return dropped


def _epoch_ms(moment: datetime) -> float:
    # moto keeps naive UTC times
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000


class LogRetention:
    name = "log-retention"

    def run(self, ctx: CloudContext) -> None:
        while not ctx.stopping.wait(PASS_SECONDS):
            self.trim(ctx)

    def trim(self, ctx: CloudContext) -> int:
        from moto.logs.models import logs_backends

        dropped = 0
        now_ms = int(time.time() * 1000)
        with ctx.locked():
            for regions in logs_backends.values():
                for backend in regions.values():
                    for group in backend.groups.values():
                        dropped += trim_group(group, now_ms)
        return dropped


def setup(registry: Registry) -> None:
    registry.add_service(LogRetention())
