"""FunctionPool's worker lifecycle: concurrency, throttling, timeouts, crashes, prewarm, reload, close."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from squall.runtime import FunctionPool, TooManyRequests
from tests.polling import eventually as poll

WAIT_FOR_FILE = """
    import os, time
    from pathlib import Path

    def wait_for(path, seconds=20):
        deadline = time.monotonic() + seconds
        while not Path(path).exists():
            if time.monotonic() > deadline:
                raise TimeoutError(path)
            time.sleep(0.005)
"""

MakePool = Callable[..., FunctionPool]


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_concurrent_invocations_run_in_parallel_on_separate_workers(
    make_pool: MakePool, tmp_path: Path
) -> None:
    # Each invocation announces itself and waits until all have: it can only finish if all run at once.
    n = 4
    pool = make_pool(
        {
            "functions/app.py": WAIT_FOR_FILE
            + f"""
    def handler(event, context):
        Path({str(tmp_path)!r}, "arrived-" + event["i"]).touch()
        for i in range({n}):
            wait_for(Path({str(tmp_path)!r}, "arrived-" + str(i)))
        return os.getpid()
"""
        },
        timeout=30.0,
    )
    with ThreadPoolExecutor(n) as executor:
        results = list(executor.map(lambda i: pool.invoke({"i": str(i)}), range(n)))
    assert [r.error_type for r in results] == [None] * n
    assert len({r.payload for r in results}) == n


def test_reserved_concurrency_throttles_the_extra_invocation(make_pool: MakePool, tmp_path: Path) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    pool = make_pool(
        {
            "functions/app.py": WAIT_FOR_FILE
            + f"""
    def handler(event, context):
        Path({str(started)!r}).touch()
        wait_for({str(release)!r})
        return "done"
"""
        },
        reserved_concurrency=1,
        timeout=30.0,
    )
    with ThreadPoolExecutor(1) as executor:
        running = executor.submit(pool.invoke, {})
        poll(started.exists)
        with pytest.raises(TooManyRequests) as caught:
            pool.invoke({})
        assert caught.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
        release.touch()
        assert running.result().payload == "done"
    assert pool.invoke({}).payload == "done"


def test_zero_reserved_concurrency_always_throttles(make_pool: MakePool) -> None:
    pool = make_pool({"functions/app.py": "def handler(e, c):\n    return 1\n"}, reserved_concurrency=0)
    with pytest.raises(TooManyRequests):
        pool.invoke({})


SLOW = """
    import os, time

    def handler(event, context):
        if event.get("sleep"):
            print("going to sleep")
            time.sleep(60)
        return os.getpid()
"""


def test_timeout_kills_the_worker_and_the_next_call_works(make_pool: MakePool) -> None:
    pool = make_pool({"functions/app.py": SLOW}, timeout=0.5)
    first_pid = pool.invoke({}).payload
    assert isinstance(first_pid, int)
    result = pool.invoke({"sleep": True}, request_id="slow-1")
    assert result.error_type == "Unhandled"
    assert result.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: slow-1 Error: Task timed out after 0.50 seconds",
    }
    assert "going to sleep\n" in result.logs
    assert "slow-1 Task timed out after 0.50 seconds\n" in result.logs
    assert "Status: timeout" in result.logs
    poll(lambda: process_gone(first_pid))
    after = pool.invoke({})
    assert after.error_type is None and after.payload != first_pid and after.cold


def test_worker_crash_is_an_exit_error_and_the_next_call_works(make_pool: MakePool) -> None:
    pool = make_pool(
        {
            "functions/app.py": """
                import os

                def handler(event, context):
                    if event.get("crash"):
                        print("about to exit")
                        os._exit(3)
                    return os.getpid()
            """
        }
    )
    pid = pool.invoke({}).payload
    result = pool.invoke({"crash": True}, request_id="crash-1")
    assert result.error_type == "Unhandled"
    assert result.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": "RequestId: crash-1 Error: Runtime exited with error: exit status 3",
    }
    assert "about to exit" in result.logs and "Runtime.ExitError" in result.logs
    assert "REPORT RequestId: crash-1" in result.logs
    after = pool.invoke({})
    assert after.error_type is None and after.payload != pid


def test_sys_exit_in_handler_is_an_exit_error(make_pool: MakePool) -> None:
    pool = make_pool({"functions/app.py": "import sys\ndef handler(e, c):\n    sys.exit(2)\n"})
    payload = pool.invoke({}).payload
    assert isinstance(payload, dict) and payload["errorType"] == "Runtime.ExitError"


def test_prewarm_makes_the_first_invocation_warm(make_pool: MakePool) -> None:
    pool = make_pool(
        {"functions/app.py": "import os\nprint('init')\ndef handler(e, c):\n    return os.getpid()\n"}
    )
    pool.prewarm()
    [pid] = pool.worker_pids
    result = pool.invoke({})
    assert result.payload == pid
    assert result.cold is False and result.init_duration_ms is None
    assert result.logs.startswith("init\nSTART RequestId")


def test_replace_workers_serves_new_code_and_lets_running_calls_finish(
    make_pool: MakePool, tmp_path: Path
) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    source = (
        WAIT_FOR_FILE
        + f"""
    VERSION = "{{version}}"

    def handler(event, context):
        if event.get("block"):
            Path({str(started)!r}).touch()
            wait_for({str(release)!r})
        return [VERSION, os.getpid()]
"""
    )
    pool = make_pool(
        {"functions/app.py": source.format(version="v1")}, timeout=30.0, compile_from_source=True
    )
    with ThreadPoolExecutor(1) as executor:
        running = executor.submit(pool.invoke, {"block": True})
        poll(started.exists)
        [old_pid] = pool.worker_pids
        (pool.spec.code_dir / "functions/app.py").write_text(
            __import__("textwrap").dedent(source.format(version="v2"))
        )
        pool.replace_workers()
        fresh = pool.invoke({})
        assert isinstance(fresh.payload, list) and fresh.payload[0] == "v2"
        assert fresh.cold is False
        release.touch()
        old = running.result()
    assert old.error_type is None and old.payload == ["v1", old_pid]
    poll(lambda: process_gone(old_pid))
    assert old_pid not in pool.worker_pids


def test_close_leaves_no_worker_process(make_pool: MakePool) -> None:
    pool = make_pool({"functions/app.py": "import os\ndef handler(e, c):\n    return os.getpid()\n"})
    with ThreadPoolExecutor(3) as executor:
        list(executor.map(lambda _: pool.invoke({}), range(3)))
    pool.prewarm(2)
    pids = pool.worker_pids
    assert pids
    pool.close()
    for pid in pids:
        assert process_gone(pid)
    assert pool.worker_pids == []
