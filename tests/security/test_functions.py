"""Functions are contained: nothing a handler starts outlives the local cloud, and idle workers give back memory.

- A handler that starts ``sleep 600``: after ``kill -9`` of the local cloud, neither its worker nor the sleep
  is left (the worker sees its parent die and kills its own process group).
- 500 concurrent requests to an HTTP API start a crowd of workers; once they have been idle for the idle time
  (``SQUALL_WORKER_IDLE_SECONDS``, a few seconds here), none is left and their memory is back, and the next
  request gets a fresh worker.

The ways a worker ends inside a running cloud (timeout, exit, reload, pool close, idle reap) are covered one
by one in ``tests/integration/runtime/test_containment.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.integration.runtime.test_containment import became_sleep, gone_within
from tests.security.servers_support import descendants, on_own_loop, own_cloud, rss_mb, status_of

FORKS_SLEEP = """
import os, subprocess

def handler(event, context):
    child = subprocess.Popen(["sleep", "600"])
    return {"sleep": child.pid, "worker": os.getpid()}
"""

SLOW = """
import time

def handler(event, context):
    time.sleep(0.2)
    return {"statusCode": 200, "body": "ok"}
"""
CONCURRENT = 500


def test_kill_9_of_the_local_cloud_leaves_no_worker_and_nothing_a_handler_started(tmp_path: Path) -> None:
    with own_cloud(tmp_path / "home") as own:
        function = own.deploy_function(FORKS_SLEEP)
        answer = json.loads(own.clients("lambda").invoke(FunctionName=function)["Payload"].read())
        sleep, worker = int(answer["sleep"]), int(answer["worker"])
        became_sleep(sleep)
        below = descendants(own.info.pid)
        assert {sleep, worker} <= below
        os.kill(own.info.pid, signal.SIGKILL)
        for pid in below:
            gone_within(pid)


async def _get(port: int, path: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        return status_of(await asyncio.wait_for(reader.read(), timeout=120))
    finally:
        writer.close()


async def _burst(port: int, count: int) -> list[int]:
    return list(await asyncio.gather(*(_get(port, f"/r{i}") for i in range(count))))


def test_after_500_concurrent_requests_idle_workers_are_reaped_and_their_memory_returns(
    tmp_path: Path,
) -> None:
    with own_cloud(tmp_path / "home", SQUALL_WORKER_IDLE_SECONDS="3") as own:
        port = urlsplit(own.http_api(own.deploy_function(SLOW, timeout=30))).port
        assert port is not None
        peak: list[tuple[int, float]] = [(0, 0.0)]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                workers = descendants(own.info.pid)
                if len(workers) > peak[0][0]:
                    peak[0] = (len(workers), rss_mb(workers))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            statuses = on_own_loop(_burst(port, CONCURRENT))
        finally:
            done.set()
            sampler.join()
        assert statuses == [200] * CONCURRENT
        workers, memory = peak[0]
        print(f"\n{CONCURRENT} concurrent requests: at most {workers} workers, {memory:.0f} MB")
        assert workers > 1, "the burst ran on one worker: it shows nothing about reaping"

        deadline = time.monotonic() + 60
        while descendants(own.info.pid):
            assert time.monotonic() < deadline, (
                f"{len(descendants(own.info.pid))} workers still up after 60 s"
            )
            time.sleep(0.1)
        assert rss_mb(descendants(own.info.pid)) == 0
        assert on_own_loop(_get(port, "/after")) == 200  # a fresh worker serves the next request
