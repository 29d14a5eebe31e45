"""Private daemons for tests that crash, restart or misconfigure one (never the shared one)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from squall import cloud
from squall.cloud import CloudInfo
from squall.cloud.daemon import _wait_gone
from tests.integration.conftest import ClientFactory, clients_for


class Daemons:
    """Start, kill and restart local clouds on private homes; everything is stopped at teardown."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.homes: list[Path] = []

    def home(self, name: str = "home") -> Path:
        home = self.root / name
        self.homes.append(home)
        return home

    def start(self, home: Path, port: int = 0) -> CloudInfo:
        info = cloud.start(home, port=port)
        assert info is not None
        return info

    def kill9(self, info: CloudInfo) -> None:
        os.kill(info.pid, signal.SIGKILL)
        assert _wait_gone(info.pid, 10.0)

    def clients(self, info: CloudInfo) -> ClientFactory:
        return clients_for(info.data.parent, info.endpoint)

    def stop_all(self) -> None:
        for home in self.homes:
            cloud.stop(home)


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[Daemons]:
    manager = Daemons(tmp_path)
    try:
        yield manager
    finally:
        manager.stop_all()


@pytest.fixture
def small_journal(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Make daemons started afterwards compact every ``n`` journaled requests."""
    return lambda n: monkeypatch.setenv("SQUALL_CLOUD_COMPACT_EVERY", str(n))
