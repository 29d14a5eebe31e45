"""Fixtures shared by every tier: an isolated SQUALL_HOME and small project folders."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

ProjectFactory = Callable[..., Path]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # what DNS rebinding achieves: a name of the attacker's resolving to this machine
    "--host-resolver-rules=MAP rebind.evil.example 127.0.0.1",
    # browsers without Local Network Access checks (Firefox, Safari) let any page reach 127.0.0.1:
    # squall must not rely on them
    "--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,"
    "PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests",
]


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


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian chromium per test session (per ``pytest -n`` worker), for every browser test.

    Playwright's sync API keeps an event loop running on the main thread while it is open, so there is one
    for the whole session (two would refuse each other) and tests run their own asyncio code on a thread.
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
