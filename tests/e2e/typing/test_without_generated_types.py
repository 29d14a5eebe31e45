"""Without ``.squall/types`` (a fresh clone, CI), mypy does not pass silently on an unknown ``Resource.X``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES


def test_mypy_fails_on_resources_until_types_are_generated(tmp_path: Path) -> None:
    project = tmp_path / "url-shortener"
    shutil.copytree(
        EXAMPLES / "url-shortener", project, ignore=shutil.ignore_patterns(".squall", "__pycache__")
    )
    stats = project / "functions" / "stats.py"
    lines = stats.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if "Resource.Urls.get(" in line)
    stats.write_text(stats.read_text().replace("Resource.Urls.get(", "Resource.Urlz.get("))
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 1, checked.stdout
    assert f'functions/stats.py:{number}: error: "Resources" has no attribute "Urlz"' in checked.stdout
