"""moto's clock, made replayable.

moto reads the time through ``moto.core.utils.utcnow`` (``unix_time`` and ``unix_time_millis`` call
it too). ``install`` swaps that function, everywhere moto imported it, for one that returns a
pinned instant while a journaled request is being replayed and the real time otherwise. Cognito's
tokens take their ``iat`` and ``exp`` from ``time.time()`` instead: that module sees a ``time`` whose
``time()`` is pinned the same way, so a replayed sign-in issues the very tokens it issued before.
"""

from __future__ import annotations

import datetime
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_pinned = threading.local()


def _now() -> datetime.datetime:
    at: float | None = getattr(_pinned, "at", None)
    if at is None:
        return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return datetime.datetime.fromtimestamp(at, datetime.UTC).replace(tzinfo=None)


class _PinnedTime:
    """The ``time`` module, with ``time()`` pinned while a request is replayed."""

    def time(self) -> float:
        at: float | None = getattr(_pinned, "at", None)
        return time.time() if at is None else at

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


_TIME_READERS = ("moto.cognitoidp.models",)


def install() -> None:
    """Route moto's ``utcnow`` through this module.

    Idempotent; call it again after importing more of moto so late imports are rerouted too.
    """
    global _real
    import moto.core.utils as moto_utils

    if _real is None:
        _real = moto_utils.utcnow
    for name, module in list(sys.modules.items()):
        if module is not None and name.startswith("moto") and getattr(module, "utcnow", None) is _real:
            vars(module)["utcnow"] = _now
    for reader in _TIME_READERS:
        found = sys.modules.get(reader)
        if found is not None and getattr(found, "time", None) is time:
            vars(found)["time"] = _PinnedTime()


_real: Callable[[], datetime.datetime] | None = None


@contextmanager
def pinned(at: float) -> Iterator[None]:
    """Within the block (on this thread), moto sees ``at`` (a POSIX timestamp) as now."""
    _pinned.at = at
    try:
        yield
    finally:
        _pinned.at = None
