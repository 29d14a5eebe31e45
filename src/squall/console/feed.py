"""The dev session's live feed: invocations pushed to the console as they happen, from any thread.

``squall dev`` runs functions itself and calls ``feed.publish(record)`` after each invocation; a console
server given the feed subscribes to it. The feed keeps the newest records so a console that starts (or a
browser that connects) later still sees what happened before.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from squall.runtime.records import InvocationRecord

Listener = Callable[[InvocationRecord], None]
KEEP = 10_000


class LiveFeed:
    """Thread-safe fan-out of ``InvocationRecord``s to listeners, with the newest ``keep`` kept."""

    def __init__(self, keep: int = KEEP) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._recent: deque[InvocationRecord] = deque(maxlen=keep)

    def publish(self, record: InvocationRecord) -> None:
        """Record ``record`` and hand it to every listener; a failing listener does not stop the others."""
        with self._lock:
            self._recent.append(record)
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(record)
            except Exception:
                continue

    def subscribe(self, listener: Listener, *, replay: bool = True) -> Callable[[], None]:
        """Call ``listener`` for each new record (first for the kept ones when ``replay``); returns unsubscribe."""
        with self._lock:
            self._listeners.append(listener)
            backlog = list(self._recent) if replay else []
        for record in backlog:
            listener(record)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def recent(self) -> list[InvocationRecord]:
        with self._lock:
            return list(self._recent)
