"""Started on demand, a local cloud whose default port is taken picks a free one, and keeps it next time."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import pytest

from squall import cloud
from squall.cloud.info import DEFAULT_PORT


def test_default_port_taken_falls_back_and_is_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SQUALL_CLOUD_PORT", raising=False)
    blocker = socket.socket()
    with contextlib.suppress(OSError):  # already taken by something else: just as good
        blocker.bind(("127.0.0.1", DEFAULT_PORT))
        blocker.listen(1)
    home = tmp_path / "home"
    try:
        first = cloud.ensure_running(home)
        assert first.port != DEFAULT_PORT
        cloud.stop(home)
        again = cloud.ensure_running(home)
        assert again.port == first.port
    finally:
        cloud.stop(home)
        blocker.close()


def test_an_explicit_port_in_use_is_an_error(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        with pytest.raises(cloud.errors.PortInUse):
            cloud.ensure_running(tmp_path / "home", port=taken.getsockname()[1])
    finally:
        taken.close()
