"""A deploy whose target dies mid-way stops within seconds with a clear message, not after minutes with a
traceback; once the target is back, deploying again converges."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from squall import cloud
from squall.deploy import boto3_clients, deploy, diff, remove
from tests.integration.deploy.helpers import load
from tests.squall_process import SquallProcess, alive, descendants

PROGRESS = {"created", "updated", "deleted", "replaced"}


@pytest.mark.timeout(180)
def test_a_deploy_against_a_killed_target_exits_quickly_saying_what_was_applied(
    shortener: Path, stage: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    info = cloud.start(home, port=0)
    assert info is not None
    try:
        env = {"SQUALL_HOME": str(home), "SQUALL_CLOUD_PORT": str(info.port), "SQUALL_STAGE": stage}
        process = SquallProcess(["deploy"], cwd=shortener, env=env)
        process.wait_for(lambda line: line.split(" ", 1)[0] in PROGRESS, timeout=60)
        doomed = [info.pid, *descendants(info.pid)]
        for pid in doomed:
            os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        code = process.process.wait(timeout=60)
        took = time.monotonic() - killed
        process.kill()
        output = process.output
        assert code == 1, output
        assert took < 15, f"took {took:.1f} s to give up on a dead target"
        assert "the target stopped answering" in output and f"127.0.0.1:{info.port}" in output, output
        assert "applied and recorded before it stopped" in output, output
        assert "run the command again: it continues where this one stopped" in output, output
        assert "Traceback" not in output, output
        for pid in doomed:
            deadline = time.monotonic() + 10
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.01)

        info = cloud.start(home, port=0)
        assert info is not None
        clients = boto3_clients(
            target="local", region="us-east-1", endpoint=info.endpoint, credentials=cloud.credentials(home)
        )
        project = load(shortener, stage)
        deploy(project, clients=clients)
        assert diff(project, clients=clients).is_empty
        remove(project, clients=clients)
    finally:
        cloud.stop(home)
