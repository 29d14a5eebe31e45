"""The generated ``Resource`` stubs under mypy and pyright, run as a user would run them.

``resources/`` is a small app binding every kind of resource; ``squall types`` writes its stubs, then each
checker runs over its functions. ``correct.py`` (every client method, used rightly) must pass; in
``wrong.py`` each line marked ``# error: <mypy code> <pyright rule>`` must be an error of that kind, on that
line, and no other line may be one.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent / "resources"
MARK = re.compile(r"# error: (\S+) (\S+)")
MYPY_LINE = re.compile(r"^functions/(\w+)\.py:(\d+): error: .*\[([\w-]+)\]$")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typed") / "app"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
    generated = run(sys.executable, "-m", "squall.cli", "types", "--stage", "dev", cwd=root)
    assert generated.returncode == 0, generated.stderr
    return root


def expected(kind: int) -> dict[int, str]:
    """Line → the mypy code (kind 1) or pyright rule (kind 2) marked on it in ``wrong.py``."""
    lines = (SAMPLE / "functions" / "wrong.py").read_text(encoding="utf-8").splitlines()
    return {n: m.group(kind) for n, line in enumerate(lines, start=1) if (m := MARK.search(line))}


def test_mypy_accepts_correct_uses_and_flags_each_mistake_on_its_line(project: Path) -> None:
    result = run(sys.executable, "-m", "mypy", "--cache-dir", str(project / ".mypy_cache"), cwd=project)
    errors: dict[str, dict[int, set[str]]] = {}
    for line in result.stdout.splitlines():
        if match := MYPY_LINE.match(line):
            errors.setdefault(match[1], {}).setdefault(int(match[2]), set()).add(match[3])
    assert "correct" not in errors, result.stdout
    found = errors.get("wrong", {})
    assert sorted(found) == sorted(expected(1)), result.stdout
    for number, code in expected(1).items():
        assert code in found[number], (number, found[number])


@pytest.mark.timeout(300)  # its first run fetches pyright itself
def test_pyright_accepts_correct_uses_and_flags_each_mistake_on_its_line(project: Path) -> None:
    result = run(
        sys.executable,
        "-m",
        "pyright",
        "--outputjson",
        "--pythonpath",
        sys.executable,
        "functions",
        cwd=project,
    )
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    errors: dict[str, dict[int, set[str]]] = {}
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] == "error":
            name = Path(diagnostic["file"]).stem
            line = diagnostic["range"]["start"]["line"] + 1
            errors.setdefault(name, {}).setdefault(line, set()).add(diagnostic.get("rule", ""))
    assert "correct" not in errors, errors.get("correct")
    found = errors.get("wrong", {})
    assert sorted(found) == sorted(expected(2)), found
    for number, rule in expected(2).items():
        assert rule in found[number], (number, found[number])


def test_types_check_fails_when_the_stubs_are_missing_or_stale(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
    check = (sys.executable, "-m", "squall.cli", "types", "--check", "--stage", "dev")
    missing = run(*check, cwd=root)
    assert missing.returncode == 1 and "stubs are missing" in missing.stderr
    assert not (root / ".squall" / "types").exists()
    assert run(sys.executable, "-m", "squall.cli", "types", "--stage", "dev", cwd=root).returncode == 0
    assert run(*check, cwd=root).returncode == 0
    config = root / "squall.config.py"
    config.write_text(config.read_text(encoding="utf-8").replace('"title": "string"', '"title": "number"'))
    stale = run(*check, cwd=root)
    assert stale.returncode == 1 and "stubs are stale" in stale.stderr
