"""``squall types``: typed stubs for ``from squall import Resource``, generated from the app.

The stub package ``squall_resources`` is written to ``.squall/types`` in the project (never into the user's
source folders). ``squall.binding.resource`` imports it under ``TYPE_CHECKING`` only, so with
``mypy_path = ".squall/types"`` (mypy) or ``extraPaths = [".squall/types"]`` (pyright) in the project's
settings, ``Resource.Urls.get(shortCode=...)`` is checked and ``Resource.Urlz`` is an error on that line.
``check_types`` tells whether the stubs on disk are what the app gives now (for CI: ``squall types --check``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from squall.app import App
from squall.binding.stubs import render

TYPES_DIR = Path(".squall") / "types"
PACKAGE = "squall_resources"

Freshness = Literal["fresh", "stale", "missing"]


def stub_path(app: App) -> Path:
    return app.root / TYPES_DIR / PACKAGE / "__init__.pyi"


def write_types(app: App) -> Path:
    """Write the stubs under the project's ``.squall/types``; returns the stub file. Unchanged → untouched."""
    stub = stub_path(app)
    stub.parent.mkdir(parents=True, exist_ok=True)
    text = render(app)
    if not stub.is_file() or stub.read_text(encoding="utf-8") != text:
        stub.write_text(text, encoding="utf-8")
    marker = stub.parent / "py.typed"
    if not marker.exists():
        marker.write_text("partial\n", encoding="utf-8")
    return stub


def check_types(app: App) -> Freshness:
    """Whether the stubs on disk match the app's definitions (nothing is written)."""
    stub = stub_path(app)
    if not stub.is_file() or not (stub.parent / "py.typed").is_file():
        return "missing"
    return "fresh" if stub.read_text(encoding="utf-8") == render(app) else "stale"
