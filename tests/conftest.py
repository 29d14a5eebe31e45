"""Fixtures shared by every tier: an isolated SQUALL_HOME and small project folders."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

ProjectFactory = Callable[..., Path]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own SQUALL_HOME and no stage from the environment."""
    home = tmp_path_factory.mktemp("squall-home")
    monkeypatch.setenv("SQUALL_HOME", str(home))
    monkeypatch.delenv("SQUALL_STAGE", raising=False)
    return home


@pytest.fixture
def make_project(tmp_path: Path) -> ProjectFactory:
    """Write ``squall.config.py`` (dedented) and extra files into a fresh folder; return the folder."""

    def make(config: str, files: dict[str, str] | None = None, name: str = "app") -> Path:
        root = tmp_path / name
        root.mkdir()
        (root / "squall.config.py").write_text(textwrap.dedent(config).lstrip(), encoding="utf-8")
        for relative, text in (files or {}).items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return root

    return make
