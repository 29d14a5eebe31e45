"""The url-shortener example deployed with ``squall deploy`` to the local cloud, used over HTTP."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from squall.cloud import CloudInfo
from tests.conftest import EXAMPLES
from tests.integration.conftest import ClientFactory


def call(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, dict[str, str], Any]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    connection.request(method, parts.path, body, {"content-type": "application/json"})
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    headers = {k.lower(): v for k, v in response.getheaders()}
    return response.status, headers, json.loads(raw) if raw else None


def test_shorten_redirect_stats(
    tmp_path: Path,
    local_cloud: CloudInfo,
    local_cloud_home: Path,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    root = tmp_path / "url-shortener"
    shutil.copytree(EXAMPLES / "url-shortener", root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
    stage = unique_name("http")
    env = {**os.environ, "SQUALL_HOME": str(local_cloud_home)}

    def squall(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "squall.cli", *args, "--stage", stage],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    assert squall("deploy").returncode == 0
    outputs = json.loads(squall("outputs", "--json").stdout)
    url = outputs["ApiEndpoint"]
    assert url.startswith("http://127.0.0.1:")

    status, _, body = call(
        f"{url}/shorten", "POST", json.dumps({"url": "https://example.com/a?b=c"}).encode()
    )
    assert status == 201
    code = body["shortCode"]
    assert body["shortUrl"] == f"{url}/{code}"
    assert call(f"{url}/shorten", "POST", b'{"url": "not a url"}')[0] == 400
    assert call(f"{url}/shorten", "POST", b"{oops")[0] == 400

    for clicks in (1, 2):
        status, headers, _ = call(f"{url}/{code}")
        assert (status, headers["location"]) == (302, "https://example.com/a?b=c")
        status, _, stats = call(f"{url}/stats/{code}")
        assert status == 200 and stats["clicks"] == clicks and stats["longUrl"] == "https://example.com/a?b=c"

    assert call(f"{url}/nope")[0] == 404
    assert call(f"{url}/stats/nope")[0] == 404
    assert call(f"{url}/a/b/c")[1].get("content-type", "").startswith("application/json")

    # Every invocation left a record for the console; wait until all nine are in (they ship in batches).
    logs = aws_client("logs")
    prefix = f"url-shortener-{stage}-"

    def records() -> int:
        streams = logs.describe_log_streams(logGroupName="/squall/invocations", logStreamNamePrefix=prefix)
        return sum(
            len(
                logs.get_log_events(logGroupName="/squall/invocations", logStreamName=st["logStreamName"])[
                    "events"
                ]
            )
            for st in streams["logStreams"]
        )

    deadline = time.monotonic() + 30
    while records() < 9 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert records() == 9

    removed = squall("remove", "--yes")
    assert removed.returncode == 0, removed.stderr
    try:
        status = call(f"{url}/stats/{code}")[0]
    except OSError:
        status = 0  # the API's port is closed: nothing serves it any more
    assert status in (0, 404)
    left = logs.describe_log_streams(logGroupName="/squall/invocations", logStreamNamePrefix=prefix)[
        "logStreams"
    ]
    assert left == []  # the stage's invocation records went with it
