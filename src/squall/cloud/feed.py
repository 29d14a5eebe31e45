"""The "a mutation happened" feed that background services wait on."""

from __future__ import annotations

import threading
from collections import deque

from squall.cloud.plugins import Mutation

_WINDOW = 4096


class Feed:
    """Numbered mutations, a bounded window of recent ones, and a condition to wait on."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._recent: deque[Mutation] = deque(maxlen=_WINDOW)
        self._last = 0

    @property
    def last(self) -> int:
        return self._last

    def publish(self, service: str, operation: str | None, region: str) -> Mutation:
        with self._cond:
            self._last += 1
            mutation = Mutation(self._last, service, operation, region)
            self._recent.append(mutation)
            self._cond.notify_all()
        return mutation

    def wait(self, after: int, timeout: float) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self._last > after, timeout=timeout)
            return self._last

    def since(self, after: int) -> list[Mutation]:
        with self._cond:
            return [m for m in self._recent if m.seq > after]
