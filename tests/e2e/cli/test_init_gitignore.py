"""``squall init`` writes a ``.gitignore`` that keeps squall's per-user state and generated types out of git."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from squall.scaffold import TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES)
def test_init_writes_a_gitignore_for_squall_state(tmp_path: Path, template: str) -> None:
    project = tmp_path / "my-app"
    made = subprocess.run(
        [sys.executable, "-m", "squall.cli", "init", str(project), "--template", template],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    lines = (project / ".gitignore").read_text().splitlines()
    assert ".squall/" in lines
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q"], cwd=project, check=True)
        (project / ".squall" / "types").mkdir(parents=True)
        (project / ".squall" / "stage").write_text("me\n")
        ignored = subprocess.run(
            ["git", "check-ignore", ".squall/stage", ".squall/types"],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert ignored.stdout.split() == [".squall/stage", ".squall/types"]
        kept = subprocess.run(["git", "check-ignore", "squall.config.py"], cwd=project, capture_output=True)
        assert kept.returncode == 1  # the app itself is not ignored
