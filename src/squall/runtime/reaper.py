"""Stopping idle workers: after ``idle_timeout`` seconds unused, a warm worker is stopped and its memory freed.

Lambda keeps an idle execution environment for some minutes, not forever; so does squall. One daemon thread
serves every pool in the process: it sleeps until the earliest moment a pool's oldest idle worker expires,
asks that pool to stop what expired (``FunctionPool.reap_idle``), and sleeps again. Pools tell it when a
worker goes idle; a pool that is closed or collected is forgotten.

The idle time comes from the pool (``idle_timeout=``), else ``$SQUALL_WORKER_IDLE_SECONDS``, else
``DEFAULT_IDLE_SECONDS``.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from typing import Protocol

DEFAULT_IDLE_SECONDS = 600.0
"""Ten minutes: within the span Lambda is seen to keep an idle execution environment (minutes, not hours)."""


def default_idle_seconds() -> float:
    value = os.environ.get("SQUALL_WORKER_IDLE_SECONDS")
    if not value:
        return DEFAULT_IDLE_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        return DEFAULT_IDLE_SECONDS
    return seconds if seconds > 0 else DEFAULT_IDLE_SECONDS


class Reapable(Protocol):
    def reap_idle(self) -> float | None:
        """Stop the workers idle for too long; seconds until the next one expires (None: no idle worker)."""
        ...


class Reaper:
    def __init__(self) -> None:
        self._pools: weakref.WeakSet[Reapable] = weakref.WeakSet()
        self._wake = threading.Condition()
        self._wake_at = float("inf")
        self._changed = False
        self._thread: threading.Thread | None = None

    def watch(self, pool: Reapable, due_in: float) -> None:
        """``pool`` has an idle worker that expires in ``due_in`` seconds."""
        with self._wake:
            self._pools.add(pool)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="squall-worker-reaper", daemon=True)
                self._thread.start()
            if time.monotonic() + due_in < self._wake_at:
                self._changed = True  # seen even if the thread is between its scan and its wait
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                self._changed = False
                pools = list(self._pools)
            waits = []
            for pool in pools:
                try:
                    due = pool.reap_idle()
                except Exception:  # a closed pool, say: it has nothing idle any more
                    due = None
                if due is not None:
                    waits.append(due)
            with self._wake:
                if self._changed:
                    continue
                wait = max(min(waits), 0.01) if waits else None
                self._wake_at = time.monotonic() + wait if wait is not None else float("inf")
                self._wake.wait(wait)
                self._wake_at = float("inf")


REAPER = Reaper()
