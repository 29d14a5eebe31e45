"""Finding the interpreter a function's runtime names, and saying so when it is not here."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from squall.runtime.interpreters import find_interpreter, notice


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    find_interpreter.cache_clear()
    yield
    find_interpreter.cache_clear()


def fake_python(folder: Path, name: str, answer: str) -> Path:
    folder.mkdir(parents=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\necho {answer}\n")
    path.chmod(0o755)
    return path


def test_a_pyenv_version_is_found_and_asked_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = fake_python(tmp_path / "versions" / "3.99.1" / "bin", "python3.99", "3 99")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", "/nonexistent")
    found = find_interpreter("python3.99")
    assert (found.path, found.version, found.exact) == (str(path), (3, 99), True)


def test_a_candidate_that_answers_another_version_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_python(tmp_path / "bin", "python3.98", "3 11")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "none"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "none"))
    found = find_interpreter("python3.98")
    assert (found.path, found.exact) == (sys.executable, False)
    text = notice("python3.98", found)
    assert text.startswith("python3.98 is not installed on this machine: functions declared python3.98 run")
    assert f"Python {sys.version_info[0]}.{sys.version_info[1]} ({sys.executable})" in text
    assert "`uv python install 3.98` or `pyenv install 3.98`" in text


def test_squalls_own_version_is_squalls_interpreter() -> None:
    own = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert find_interpreter(own).path == sys.executable and find_interpreter(own).exact
