"""Fan-out from worker threads (pollers, the live feed) to the server's async streams.

A stream subscribes with its event loop; ``publish`` may be called from any thread and hands the item to
each subscriber's loop. A subscriber that does not keep up loses its oldest items, never blocks the rest.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Generic, TypeVar

T = TypeVar("T")
QUEUE_SIZE = 5000


class Subscription(Generic[T]):
    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[T] = asyncio.Queue(maxsize=size)

    def put(self, item: T) -> None:
        """Runs on the subscriber's loop."""
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(item)


class Broadcaster(Generic[T]):
    def __init__(self, size: int = QUEUE_SIZE) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._subscriptions: list[Subscription[T]] = []

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    def subscribe(self) -> Subscription[T]:
        """Call from inside the subscriber's running event loop."""
        subscription: Subscription[T] = Subscription(asyncio.get_running_loop(), self._size)
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription[T]) -> None:
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    def publish(self, item: T) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            try:
                subscription.loop.call_soon_threadsafe(subscription.put, item)
            except RuntimeError:  # its loop has closed: the stream is gone
                self.unsubscribe(subscription)
