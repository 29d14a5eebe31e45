"""Waiting in tests: poll a condition until it holds or a deadline passes, never sleep a fixed time.

``eventually(check)`` calls ``check`` until it returns something truthy and returns that; ``poll(call, until)``
calls ``call`` until ``until(result)`` and returns the result. Both fail with an ``AssertionError`` naming what
was awaited and the last value seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def poll(
    call: Callable[[], T],
    until: Callable[[T], object],
    timeout: float = 30.0,
    step: float = 0.05,
    what: str = "the condition",
) -> T:
    """``call()`` until ``until(result)`` is truthy; the last result is in the failure message."""
    deadline = time.monotonic() + timeout
    while True:
        result = call()
        if until(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout} s (last: {result!r})")
        time.sleep(step)


def eventually(
    check: Callable[[], Any], timeout: float = 30.0, what: str = "the condition", *, interval: float = 0.05
) -> Any:
    """``check()`` until it returns something truthy, which is returned."""
    return poll(check, bool, timeout, interval, what)
