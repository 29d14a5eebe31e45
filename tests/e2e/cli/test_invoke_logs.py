"""``squall invoke`` and ``squall logs`` on a deployed stage of the url-shortener, in the local cloud."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from squall.cloud import CloudInfo
from tests.conftest import EXAMPLES
from tests.squall_process import SquallProcess


@pytest.fixture
def deployed(
    tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
):  # type: ignore[no-untyped-def]
    root = tmp_path / "url-shortener"
    shutil.copytree(EXAMPLES / "url-shortener", root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
    stage = unique_name("inv")
    env = {**os.environ, "SQUALL_HOME": str(local_cloud_home)}

    def squall(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "squall.cli", *args, "--stage", stage],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            input=stdin,
        )

    assert squall("deploy").returncode == 0
    return root, stage, squall


def test_invoke_prints_the_result_and_the_log_tail(deployed) -> None:  # type: ignore[no-untyped-def]
    root, _, squall = deployed
    event = root / "event.json"
    event.write_text(json.dumps({"pathParameters": {"code": "missing"}}))
    result = squall("invoke", "ApiGetStatsCode", "--event", str(event))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["statusCode"] == 404
    assert "START RequestId:" in result.stderr and "REPORT RequestId:" in result.stderr

    from_stdin = squall("invoke", "ApiPostShorten", "--event", "-", stdin=json.dumps({"body": "{}"}))
    assert json.loads(from_stdin.stdout)["statusCode"] == 400

    # pathParameters that are not a mapping: the handler raises, the CLI prints the error and exits 1.
    failing = squall("invoke", "ApiGetCode", "--event", "-", stdin=json.dumps({"pathParameters": "oops"}))
    assert failing.returncode == 1
    assert json.loads(failing.stdout)["errorType"] == "AttributeError"
    unknown = squall("invoke", "Nope")
    assert unknown.returncode == 1 and "ApiGetCode" in unknown.stderr


def test_logs_and_follow(deployed, local_cloud_home: Path) -> None:  # type: ignore[no-untyped-def]
    root, stage, squall = deployed
    squall("invoke", "ApiGetStatsCode", "--event", "-", stdin=json.dumps({"pathParameters": {"code": "one"}}))
    follow = SquallProcess(
        ["logs", "ApiGetStatsCode", "--follow", "--stage", stage],
        cwd=root,
        env={"SQUALL_HOME": str(local_cloud_home)},
    )
    try:
        follow.wait_for(lambda line: "REPORT RequestId:" in line, timeout=30)
        before = follow.output.count("REPORT RequestId:")
        squall(
            "invoke", "ApiGetStatsCode", "--event", "-", stdin=json.dumps({"pathParameters": {"code": "two"}})
        )
        follow.wait_for(lambda line: follow.output.count("REPORT RequestId:") > before, timeout=30)
        assert follow.interrupt() == 0
    finally:
        follow.kill()
    printed = squall("logs", "ApiGetStatsCode")
    assert printed.returncode == 0 and printed.stdout.count("START RequestId:") >= 2
