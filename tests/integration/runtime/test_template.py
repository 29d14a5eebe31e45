"""Reloads through a template worker: new workers are forked with the libraries already imported."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path

from tests.integration.runtime.conftest import MakePool

FILES = {
    "functions/__init__.py": "",
    "functions/util.py": "VALUE = 1\n",
    "functions/app.py": """
        import json, logging, os
        import email.mime.text  # stands in for a heavy library: loaded once, in the template
        from functions import util

        logging.basicConfig(level=logging.INFO)
        log = logging.getLogger("app")

        def handler(event, context):
            log.info("serving %s", util.VALUE)
            if event.get("crash"):
                os._exit(3)
            return {"value": util.VALUE, "pid": os.getpid(), "mode": os.environ.get("MODE"),
                    "heavy": "email.mime.text" in __import__("sys").modules}
    """,
}


def edit(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text)


def test_reload_runs_the_new_source_in_a_new_forked_worker(make_pool: MakePool) -> None:
    pool = make_pool(FILES, compile_from_source=True, fork_from_template=True, timeout=5)
    first = pool.invoke({})
    assert first.payload["value"] == 1 and first.payload["heavy"]
    root = pool.spec.code_dir
    for value in (2, 3, 4):
        edit(root, "functions/util.py", f"VALUE = {value}\n")
        pool.replace_workers()
        result = pool.invoke({})
        assert result.payload["value"] == value
        assert result.payload["pid"] != first.payload["pid"]
        assert f"serving {value}" in result.logs  # logging still reaches the invocation's logs


def test_environment_changes_reach_forked_workers(make_pool: MakePool) -> None:
    pool = make_pool(FILES, fork_from_template=True, environment={"MODE": "a"}, timeout=5)
    assert pool.invoke({}).payload["mode"] == "a"
    pool.replace_workers(dataclasses.replace(pool.spec, environment={"MODE": "b"}))
    assert pool.invoke({}).payload["mode"] == "b"


def test_a_crash_in_a_forked_worker_is_reported_and_replaced(make_pool: MakePool) -> None:
    pool = make_pool(FILES, fork_from_template=True, timeout=5)
    crashed = pool.invoke({"crash": True})
    assert crashed.error_type == "Unhandled"
    assert crashed.payload["errorType"] == "Runtime.ExitError"
    assert pool.invoke({}).payload["value"] == 1


def test_close_leaves_no_process_behind(make_pool: MakePool) -> None:
    pool = make_pool(FILES, fork_from_template=True, timeout=5)
    pid = pool.invoke({}).payload["pid"]
    pool.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    raise AssertionError(f"worker {pid} outlived its pool")


def test_a_handler_broken_at_start_recovers_after_a_fix(make_pool: MakePool) -> None:
    broken = {**FILES, "functions/util.py": "VALUE = (\n"}
    pool = make_pool(broken, compile_from_source=True, fork_from_template=True, timeout=5)
    failed = pool.invoke({})
    assert failed.payload["errorType"] == "Runtime.UserCodeSyntaxError"
    edit(pool.spec.code_dir, "functions/util.py", "VALUE = 7\n")
    pool.replace_workers()
    assert pool.invoke({}).payload["value"] == 7


def test_a_request_during_a_reload_waits_for_the_warming_worker(make_pool: MakePool) -> None:
    slow = {**FILES, "functions/util.py": "import time\ntime.sleep(0.4)\nVALUE = 1\n"}
    pool = make_pool(slow, compile_from_source=True, fork_from_template=True, timeout=5)
    pool.invoke({})
    reload = threading.Thread(target=pool.replace_workers)
    reload.start()
    deadline = time.monotonic() + 10
    while not pool._warming and time.monotonic() < deadline:  # the reload's worker is importing
        time.sleep(0.005)
    assert pool._warming, "the reload never started warming a worker"
    result = pool.invoke({})
    reload.join(10)
    assert pool.worker_pids == [result.payload["pid"]]  # served by the reload's worker; no second one started
    assert result.cold is False
