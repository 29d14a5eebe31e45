"""Damaged lock and state objects give clear errors and a way out that works; a stale state writer fails
instead of overwriting; the state's earlier versions can be listed, shown and put back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from squall.cloud import CloudInfo
from squall.deploy import Clients, deploy, diff, remove
from squall.deploy.engine import Session
from squall.deploy.errors import StateConflict
from tests.integration.deploy.helpers import load


def cli(root: Path, home: Path, cloud: CloudInfo, stage: str):  # type: ignore[no-untyped-def]
    env = {**os.environ, "SQUALL_HOME": str(home), "SQUALL_CLOUD_PORT": str(cloud.port)}

    def squall(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "squall.cli", *args, "--stage", stage],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )

    return squall


def test_a_damaged_lock_is_reported_and_unlock_removes_it(
    shortener: Path, stage: str, clients: Clients, local_cloud: CloudInfo, local_cloud_home: Path
) -> None:
    project = load(shortener, stage)
    deploy(project, clients=clients)
    session = Session(clients, project.graph)
    session.connect()
    lock = session.lock()
    clients("s3").put_object(Bucket=lock.bucket, Key=lock.key, Body=b'{"user": "half a lo')
    squall = cli(shortener, local_cloud_home, local_cloud, stage)

    blocked = squall("deploy")
    assert blocked.returncode == 2, blocked.stderr
    assert "deploy lock of url-shortener stage" in blocked.stderr and "is damaged" in blocked.stderr
    assert f"squall unlock --stage {stage}" in blocked.stderr and "Traceback" not in blocked.stderr

    released = squall("unlock", "--yes")
    assert released.returncode == 0, released.stderr
    assert "damaged" in released.stdout and "Traceback" not in released.stderr
    assert lock.read() is None
    redeployed = squall("deploy")
    assert redeployed.returncode == 0, redeployed.stderr
    remove(project, clients=clients)


def test_a_damaged_state_is_reported_by_every_command_and_an_earlier_version_restores_it(
    shortener: Path, stage: str, clients: Clients, local_cloud: CloudInfo, local_cloud_home: Path
) -> None:
    project = load(shortener, stage)
    deploy(project, clients=clients)
    session = Session(clients, project.graph)
    session.connect()
    store = session.store()
    good = store.versions()[0]
    clients("s3").put_object(Bucket=store.bucket, Key=store.key, Body=b"\x00garbage")
    squall = cli(shortener, local_cloud_home, local_cloud, stage)

    for command in (["deploy"], ["diff"], ["outputs"], ["remove", "--yes"]):
        failed = squall(*command)
        assert failed.returncode == 1, (command, failed.stderr)
        assert "is damaged" in failed.stderr and "squall state restore VERSION" in failed.stderr, command
        assert "Traceback" not in failed.stderr, failed.stderr
    unlocked = squall("unlock", "--yes")
    assert unlocked.returncode == 0 and "was not locked" in unlocked.stdout, unlocked.stderr

    listed = squall("state", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].endswith("current") and good.version_id in listed.stdout
    shown = squall("state", "show", good.version_id)
    assert json.loads(shown.stdout)["stage"] == stage
    assert "garbage" in squall("state", "show").stdout

    restored = squall("state", "restore", good.version_id)
    assert restored.returncode == 0, restored.stderr
    plan = squall("diff", "--json")
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["steps"] == []
    assert len(store.versions()) == len(lines) + 1, "restoring adds a version; nothing is lost"

    wrong = squall("state", "restore", "no-such-version")
    assert wrong.returncode == 1 and "has no version" in wrong.stderr and "Traceback" not in wrong.stderr
    remove(project, clients=clients)


def test_a_stale_state_writer_fails_instead_of_overwriting(
    shortener: Path, stage: str, clients: Clients
) -> None:
    project = load(shortener, stage)
    deploy(project, clients=clients)
    session = Session(clients, project.graph)
    session.connect()
    first, second = session.store(), session.store()
    mine, theirs = first.load(), second.load()
    mine.outputs["Written"] = "first"
    first.save(mine)
    theirs.outputs["Written"] = "second"
    with pytest.raises(StateConflict) as caught:
        second.save(theirs)
    assert "changed since this run read it" in str(caught.value)
    assert session.store().load().outputs["Written"] == "first"
    assert diff(project, clients=clients).is_empty
    remove(project, clients=clients)
