"""A worker's children go with it: a handler that starts ``sleep 600`` leaves no process behind.

Whichever way the worker ends (a timeout, its own exit, a reload, an idle reap, the pool closing), spawned
or forked from a template, the ``sleep`` it started is gone within a deadline. The handler answers with the
sleep's pid, so the test watches that very process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from squall.runtime import FunctionPool
from tests.integration.runtime.conftest import MakePool
from tests.squall_process import alive

FORKS_SLEEP = {
    "functions/__init__.py": "",
    "functions/app.py": """
        import os, subprocess, time

        def handler(event, context):
            child = subprocess.Popen(["sleep", "600"])
            if event.get("pidfile"):
                with open(event["pidfile"], "w") as out:
                    out.write(str(child.pid))
            if event.get("then") == "hang":
                time.sleep(600)
            if event.get("then") == "exit":
                os._exit(3)
            return {"sleep": child.pid, "worker": os.getpid()}
    """,
}


def is_sleep(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:2] == [b"sleep", b"600"] and alive(pid)
    except OSError:
        return False


def gone_within(pid: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still runs after {seconds} s"
        time.sleep(0.05)


def became_sleep(pid: int) -> None:
    deadline = time.monotonic() + 30
    while not is_sleep(pid):
        assert time.monotonic() < deadline, f"process {pid} never became `sleep 600`"
        time.sleep(0.01)


def started_sleep(pool: FunctionPool) -> tuple[int, int]:
    result = pool.invoke({})
    assert result.error_type is None, result.payload
    assert isinstance(result.payload, dict)
    pid, worker = int(result.payload["sleep"]), int(result.payload["worker"])
    became_sleep(pid)
    return pid, worker


def sleep_of_failed_invocation(pool: FunctionPool, then: str, tmp_path: Path) -> int:
    pidfile = tmp_path / f"{then}.pid"
    result = pool.invoke({"then": then, "pidfile": str(pidfile)})
    assert result.error_type is not None
    return int(pidfile.read_text())


MODES = pytest.mark.parametrize("forked", [False, True], ids=["spawned", "forked"])


@MODES
def test_a_timeout_kills_what_the_handler_started(make_pool: MakePool, forked: bool, tmp_path: Path) -> None:
    pool = make_pool(FORKS_SLEEP, timeout=1, fork_from_template=forked)
    gone_within(sleep_of_failed_invocation(pool, "hang", tmp_path))


@MODES
def test_a_worker_that_exits_leaves_nothing(make_pool: MakePool, forked: bool, tmp_path: Path) -> None:
    pool = make_pool(FORKS_SLEEP, timeout=5, fork_from_template=forked)
    gone_within(sleep_of_failed_invocation(pool, "exit", tmp_path))
    assert pool.invoke({"then": "none"}).error_type is None  # and the next invocation gets a fresh worker


@MODES
def test_a_reload_kills_what_the_retired_worker_started(make_pool: MakePool, forked: bool) -> None:
    pool = make_pool(FORKS_SLEEP, timeout=5, fork_from_template=forked)
    sleep, worker = started_sleep(pool)
    pool.replace_workers(prewarm=False)
    gone_within(worker)
    gone_within(sleep)


@MODES
def test_closing_the_pool_kills_what_its_workers_started(make_pool: MakePool, forked: bool) -> None:
    pool = make_pool(FORKS_SLEEP, timeout=5, fork_from_template=forked)
    sleep, worker = started_sleep(pool)
    pool.close()
    gone_within(worker)
    gone_within(sleep)


@MODES
def test_an_idle_worker_is_reaped_with_what_it_started(make_pool: MakePool, forked: bool) -> None:
    pool = make_pool(FORKS_SLEEP, timeout=5, fork_from_template=forked, idle_timeout=0.5)
    sleep, worker = started_sleep(pool)
    gone_within(worker)
    gone_within(sleep)
    assert pool.worker_pids == []
    again, _ = started_sleep(pool)  # a reaped pool starts a fresh worker on the next invocation
    pool.close()
    gone_within(again)


def test_idle_workers_stay_until_their_idle_time_and_the_warmest_stays_longest(make_pool: MakePool) -> None:
    now = [0.0]
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731
    pool = make_pool(FORKS_SLEEP, timeout=5, idle_timeout=60.0)
    pool._clock = clock  # the pool's own clock, so expiry is decided without waiting
    pool._reaper = None
    first, _ = started_sleep(pool)
    now[0] = 30.0
    assert pool.reap_idle() == pytest.approx(30.0)
    assert is_sleep(first)
    now[0] = 60.0
    assert pool.reap_idle() is None
    gone_within(first)
