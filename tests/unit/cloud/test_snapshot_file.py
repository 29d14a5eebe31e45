"""Snapshot files: authenticated before anything is unpickled, versions checked, damage told apart."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from squall.cloud import snapshot

KEY = b"k" * 32


class Backends(dict[str, Any]):
    pass


def _write(path: Path, value: Any = "value-0042") -> None:
    live: dict[str, Any] = {"svc": Backends(item=value)}
    snapshot.write(path, KEY, live, next_segment=3, next_request=9)


def test_a_snapshot_round_trips(tmp_path: Path) -> None:
    path = tmp_path / snapshot.name(3)
    _write(path)
    verified = snapshot.verify(path, KEY)
    assert verified.meta.next_segment == 3 and verified.meta.next_request == 9
    assert verified.meta.moto == snapshot.versions()["moto"]
    target: dict[str, Any] = {"svc": Backends()}
    verified.load(target)
    assert target["svc"]["item"] == "value-0042"
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_changed_byte_is_refused(tmp_path: Path) -> None:
    path = tmp_path / snapshot.name(3)
    _write(path)
    data = bytearray(path.read_bytes())
    data[data.find(b"value-0042") + 6] = ord("X")
    path.write_bytes(bytes(data))
    with pytest.raises(snapshot.SnapshotRefused, match="changed after it was written"):
        snapshot.verify(path, KEY)


def test_another_homes_snapshot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / snapshot.name(3)
    _write(path)
    with pytest.raises(snapshot.SnapshotRefused, match="signed with another key"):
        snapshot.verify(path, b"o" * 32)


class _Boom:
    def __reduce__(self) -> Any:
        return (Path.touch, (self.marker,))

    def __init__(self, marker: Path) -> None:
        self.marker = marker


def test_a_forged_snapshot_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / snapshot.name(3)
    _write(path)
    data = path.read_bytes()
    forged = pickle.dumps((2, {"svc": {"x": _Boom(marker)}}))
    # same layout, the payload swapped for one that runs code when unpickled
    payload_end = data.find(b'{"format"')
    path.write_bytes(snapshot.MAGIC + forged + data[payload_end:])
    with pytest.raises(snapshot.SnapshotRefused):
        snapshot.verify(path, KEY).load({"svc": Backends()})
    assert not marker.exists()


def test_a_snapshot_of_other_versions_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / snapshot.name(3)
    real = snapshot.versions()
    monkeypatch.setattr(snapshot, "versions", lambda: {**real, "moto": "0.0.1"})
    _write(path)
    monkeypatch.setattr(snapshot, "versions", lambda: real)
    with pytest.raises(snapshot.SnapshotRefused, match=r"moto 0\.0\.1"):
        snapshot.verify(path, KEY)


def test_the_key_is_created_private_and_kept(tmp_path: Path) -> None:
    key_file = tmp_path / "snapshot.key"
    first = snapshot.load_key(key_file)
    assert len(first) == 32 and key_file.stat().st_mode & 0o777 == 0o600
    assert snapshot.load_key(key_file) == first
