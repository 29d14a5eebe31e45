"""Knowing, without the state lock, whether something read from moto earlier may have changed since.

The hot paths (an HTTP request, an Invoke) must not read moto's backends every time: that takes the state
lock, which a compaction holds for as long as it pickles the whole state. They cache what they read with
the mutation number current before the read; ``ChangeWatch`` says which mutation of the services that
matter came last, so an entry read at or after it is still good.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from squall.cloud.plugins import MutationFeed


class ChangeWatch:
    def __init__(self, services: Iterable[str]) -> None:
        self._services = frozenset(services)
        self._lock = threading.Lock()
        self._scanned = 0
        self._relevant = 0

    def latest(self, feed: MutationFeed) -> int:
        """The number of the newest mutation of a watched service (or one the feed no longer shows)."""
        newest = feed.last
        if newest == self._scanned:
            return self._relevant
        with self._lock:
            if newest > self._scanned:
                changes = feed.since(self._scanned)
                if not changes or changes[0].seq > self._scanned + 1:
                    # The feed's window moved past what was scanned: assume the worst.
                    self._relevant = max(newest, changes[-1].seq if changes else newest)
                for change in changes:
                    if change.service in self._services:
                        self._relevant = max(self._relevant, change.seq)
                self._scanned = max(newest, changes[-1].seq if changes else newest)
            return self._relevant

    def fresh(self, feed: MutationFeed, read_at: int) -> bool:
        """Whether what was read when the feed's newest number was ``read_at`` is still current."""
        return read_at >= self.latest(feed)
