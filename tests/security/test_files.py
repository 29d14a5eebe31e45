"""What squall writes under ``SQUALL_HOME`` is the developer's alone: folders 0700, files 0600, any umask.

The issue found ``snapshot.pkl`` 0644 under 0755 folders, holding SecureString values in plaintext. Here a
local cloud runs under a permissive umask (0o022, then 0o000) and writes everything it keeps: a SecureString
(journal, then the snapshot written at stop), a function's unpacked code, an HTTP API's port book, its logs,
pid and port files. Then a home left loose (as older versions made it) is tightened by ``squall cloud start``,
with a note printed once.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.security.servers_support import own_cloud

HELLO = """
def handler(event, context):
    return {"statusCode": 200, "body": "hello"}
"""


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def loose(root: Path) -> list[str]:
    """Every entry under ``root`` (itself included) that group or others may read, write or enter."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = os.lstat(path).st_mode
        if not stat.S_ISLNK(mode) and mode & 0o077:
            found.append(f"{path.relative_to(root.parent)} {stat.filemode(mode)}")
    return found


def fill(home: Path) -> None:
    """Run a local cloud on ``home`` that writes every kind of file it keeps."""
    with own_cloud(home) as own:
        own.clients("ssm").put_parameter(Name="/app/stage/Key", Value="s3cr3t", Type="SecureString")
        function = own.deploy_function(HELLO)
        own.clients("lambda").invoke(FunctionName=function)
        own.http_api(function)


@pytest.mark.parametrize("mask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_everything_under_the_home_is_private_whatever_the_umask(tmp_path: Path, mask: int) -> None:
    home = tmp_path / "home"
    with umask(mask):
        fill(home)
    names = {p.name for p in home.rglob("*")}
    assert {"cloud.log", "http_apis.json", "last.port", "cloud.lock"} <= names, names
    assert any(n.startswith("snapshot-") and n.endswith(".snap") for n in names), names
    assert any(p.parent.name == "functions" for p in home.rglob("*")), "no function code was unpacked"
    assert loose(home) == []
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    snapshot = next(home.rglob("snapshot-*.snap"))
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600


def squall(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "squall.cli", *args],
        env={**os.environ, "SQUALL_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_a_loose_home_is_tightened_on_start_with_one_note(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with umask(0o022):
        fill(home)
    for path in [home, *home.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    assert len(loose(home)) > 5

    first = squall(home, "cloud", "start", "--port", "0")
    try:
        assert loose(home) == []
        note = [line for line in first.stderr.splitlines() if line.startswith("note:")]
        assert len(note) == 1 and str(home) in note[0] and "private" in note[0], first.stderr
    finally:
        squall(home, "cloud", "stop")
    second = squall(home, "cloud", "start", "--port", "0")
    squall(home, "cloud", "stop")
    assert "note:" not in second.stderr


def test_dev_state_in_the_project_is_private(tmp_path: Path) -> None:
    from squall.home import write_private  # what the dev session writes its state with

    with umask(0o000):
        path = tmp_path / "project" / ".squall" / "dev" / "Fn.resources.json"
        write_private(path, json.dumps({"Key": {"value": "x"}}))
    for entry in (path, path.parent, path.parent.parent):
        assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0, entry
