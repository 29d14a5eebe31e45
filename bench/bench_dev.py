"""``squall dev`` speed: save → first response reflecting it, the first request after a reload, start-up.

Runs the url-shortener example under ``squall dev`` against a local cloud in a temporary SQUALL_HOME.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from squall import cloud  # noqa: E402
from tests.squall_process import SquallProcess  # noqa: E402

EDITS = 25


def get(url: str) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    connection.request("GET", parts.path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def start(project: Path, home: Path, stage: str) -> tuple[SquallProcess, str, float]:
    began = time.perf_counter()
    dev = SquallProcess(["dev", "--stage", stage], cwd=project, env={"SQUALL_HOME": str(home)})
    line = dev.wait_for(lambda text: "ApiEndpoint:" in text, timeout=120)
    dev.wait_for(lambda text: text.startswith("Ready."), timeout=60)
    return dev, line.split("ApiEndpoint:", 1)[1].strip(), time.perf_counter() - began


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="squall-bench-dev-"))
    home = work / "home"
    project = work / "url-shortener"
    shutil.copytree(
        ROOT / "examples" / "url-shortener", project, ignore=shutil.ignore_patterns(".squall", "__pycache__")
    )
    os.environ["SQUALL_HOME"] = str(home)
    try:
        dev, url, cold_start = start(project, home, "bench")  # the local cloud is started on demand
        dev.interrupt()
        dev, url, warm_start = start(project, home, "bench")
        stats = project / "functions" / "stats.py"
        original = stats.read_text()
        get(f"{url}/stats/none")
        warm = []
        for _ in range(30):
            t = time.perf_counter()
            get(f"{url}/stats/none")
            warm.append((time.perf_counter() - t) * 1000)
        reloads, first_after = [], []
        for i in range(EDITS):
            marker = f"bench-{i}"
            stats.write_text(
                original.replace('{"error": f"no short URL {code!r}"}', f'{{"error": "{marker}"}}')
            )
            written = time.perf_counter()
            deadline = written + 30
            while time.perf_counter() < deadline:
                _, body = get(f"{url}/stats/none")
                if marker.encode() in body:
                    reloads.append((time.perf_counter() - written) * 1000)
                    break
            else:
                raise SystemExit(f"edit {i} never showed up")
            dev.wait_for(lambda text, n=i: text.count("reloaded ApiGetStatsCode") > 0 and n >= 0, timeout=5)
            t = time.perf_counter()
            get(f"{url}/stats/none")
            first_after.append((time.perf_counter() - t) * 1000)
        dev.interrupt()
    finally:
        cloud.stop(home)
        shutil.rmtree(work, ignore_errors=True)
    warm_p50 = statistics.median(warm)
    print(
        f"dev_save_to_response_p50: {statistics.median(reloads):.1f} ms (target <= 50 ms; SST claims < 10 ms for its reload alone; {EDITS} edits)"
    )
    print(
        f"dev_save_to_response_p90: {sorted(reloads)[int(len(reloads) * 0.9)]:.1f} ms (target: informational)"
    )
    print(f"dev_warm_request_p50: {warm_p50:.2f} ms (target: informational)")
    print(
        f"dev_first_request_after_reload_p50: {statistics.median(first_after):.2f} ms (target <= 2x warm = {2 * warm_p50:.2f} ms)"
    )
    print(f"dev_start_ready_cloud_running: {warm_start:.2f} s (target <= 2 s)")
    print(f"dev_start_ready_from_cold: {cold_start:.2f} s (target <= 4 s)")
    print(json.dumps({"reloads_ms": [round(r, 1) for r in reloads]}))


if __name__ == "__main__":
    main()
