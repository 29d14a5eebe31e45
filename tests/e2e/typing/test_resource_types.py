"""``squall types`` + mypy in the user's project: bound names type-check, a misspelled one fails on its line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_mypy_checks_resource_names(tmp_path: Path) -> None:
    project = tmp_path / "url-shortener"
    shutil.copytree(
        EXAMPLES / "url-shortener", project, ignore=shutil.ignore_patterns(".squall", "__pycache__")
    )
    generated = run("squall.cli", "types", "--stage", "dev", cwd=project)
    assert generated.returncode == 0, generated.stderr
    passing = run("mypy", "--cache-dir", str(tmp_path / "cache"), cwd=project)
    assert passing.returncode == 0, passing.stdout

    stats = project / "functions" / "stats.py"
    lines = stats.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if "Resource.Urls.get(" in line)
    stats.write_text(stats.read_text().replace("Resource.Urls.get(", "Resource.Urlz.get("))
    failing = run("mypy", "--cache-dir", str(tmp_path / "cache"), cwd=project)
    assert failing.returncode == 1
    assert f'functions/stats.py:{number}: error: "Resources" has no attribute "Urlz"' in failing.stdout
