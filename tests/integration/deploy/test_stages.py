"""Stages are isolated; the deploy lock; replacements that lose data are refused unless allowed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from squall.cloud import CloudInfo
from squall.deploy import Clients, LockHeld, ReplaceRefused, deploy, diff, outputs, remove
from squall.deploy.engine import Session
from squall.deploy.lock import Holder
from tests.integration.deploy.helpers import edit, leftovers, load


def test_two_stages_never_touch_each_other(shortener: Path, clients: Clients) -> None:
    first, second = f"a{uuid.uuid4().hex[:8]}", f"b{uuid.uuid4().hex[:8]}"
    deploy(load(shortener, first), clients=clients)
    deploy(load(shortener, second), clients=clients)
    assert outputs(load(shortener, first), clients=clients) != outputs(
        load(shortener, second), clients=clients
    )
    remove(load(shortener, first), clients=clients)
    assert leftovers(clients, f"url-shortener-{first}-") == {}
    assert diff(load(shortener, second), clients=clients).is_empty
    remove(load(shortener, second), clients=clients)
    assert leftovers(clients, f"url-shortener-{second}-") == {}


def test_a_held_lock_fails_a_deploy_at_once_with_its_holder_and_unlock_frees_it(
    shortener: Path, stage: str, clients: Clients, local_cloud: CloudInfo, local_cloud_home: Path
) -> None:
    project = load(shortener, stage)
    deploy(project, clients=clients)
    session = Session(clients, project.graph)
    session.connect()
    holder = Holder("alice", "build-42", 4242, "squall deploy --stage x", time.time())
    held = session.lock().acquire(holder)
    started = time.monotonic()
    with pytest.raises(LockHeld) as caught:
        deploy(project, clients=clients)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "alice@build-42" in message and "pid 4242" in message and "squall deploy --stage x" in message
    assert "squall unlock" in message

    env = {
        **os.environ,
        "SQUALL_HOME": str(local_cloud_home),
        "SQUALL_CLOUD_PORT": str(local_cloud.port),
    }

    def unlock(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "squall.cli", "unlock", "--stage", stage, *args],
            cwd=shortener,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    unasked = unlock()
    assert unasked.returncode == 1 and "needs confirmation" in unasked.stderr
    assert "alice@build-42" in unasked.stderr and "--yes" in unasked.stderr
    with pytest.raises(LockHeld):
        deploy(project, clients=clients)
    wrong = unlock("not-its-id", "--yes")
    assert wrong.returncode == 1 and f"has ID {held.holder.id}, not not-its-id" in wrong.stderr
    result = unlock(held.holder.id, "--yes")
    assert result.returncode == 0, result.stderr
    assert "alice@build-42" in result.stdout and held.holder.id in result.stdout
    assert deploy(project, clients=clients).outcomes == {}
    remove(project, clients=clients)


def test_a_lock_left_by_a_dead_process_on_this_host_is_taken_over(
    shortener: Path, stage: str, clients: Clients
) -> None:
    project = load(shortener, stage)
    session = Session(clients, project.graph)
    session.connect()
    session.store().ensure_bucket()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    session.lock().acquire(
        Holder("bob", socket.gethostname(), int(dead.stdout), "squall deploy", time.time())
    )
    deploy(project, clients=clients)
    assert session.lock().read() is None
    remove(project, clients=clients)


def test_replacing_a_table_is_refused_unless_allowed(shortener: Path, stage: str, clients: Clients) -> None:
    project = load(shortener, stage)
    deploy(project, clients=clients)
    table = f"url-shortener-{stage}-Urls"
    clients("dynamodb").put_item(TableName=table, Item={"shortCode": {"S": "abc"}})
    edit(
        shortener / "squall.config.py",
        '"shortCode": "string",',
        '"code": "string",',
    )
    edit(
        shortener / "squall.config.py",
        'primary_index={"partition_key": "shortCode"},',
        'primary_index={"partition_key": "code"},',
    )
    changed = load(shortener, stage)
    with pytest.raises(ReplaceRefused) as caught:
        deploy(changed, clients=clients)
    assert f"Urls ({table}" in str(caught.value) and "KeySchema" in str(caught.value)
    assert clients("dynamodb").get_item(TableName=table, Key={"shortCode": {"S": "abc"}}).get("Item")

    result = deploy(changed, clients=clients, allow_replace=True)
    assert result.outcomes["Urls"] == "replaced"
    key = clients("dynamodb").describe_table(TableName=table)["Table"]["KeySchema"]
    assert key == [{"AttributeName": "code", "KeyType": "HASH"}]
    assert diff(changed, clients=clients).is_empty
    remove(changed, clients=clients)
    assert leftovers(clients, f"url-shortener-{stage}-") == {}
