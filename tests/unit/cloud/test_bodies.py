"""Body files: hashed while streamed, and collected only when nothing can still need them."""

from __future__ import annotations

import base64
import hashlib
import zlib
from pathlib import Path

from squall.cloud.bodies import BodySlice, BodyStore


def test_a_streamed_body_is_hashed_on_the_way(tmp_path: Path) -> None:
    store = BodyStore(tmp_path / "bodies")
    writer = store.writer("CRC32")
    data = [b"a" * 1000, b"b" * 3000]
    for chunk in data:
        writer.write(chunk)
    body = writer.finish()
    whole = b"".join(data)
    assert body.read_bytes() == whole and body.size == 4000
    assert body.sha256 == hashlib.sha256(whole).hexdigest()
    assert body.ref.md5 == hashlib.md5(whole).hexdigest()
    crc = base64.b64encode(zlib.crc32(whole).to_bytes(4, "big")).decode()
    assert body.ref.checksums == (("x-amz-checksum-crc32", crc),)
    assert body.path.stat().st_mode & 0o777 == 0o600


def test_collect_spares_referenced_running_and_newer_bodies(tmp_path: Path) -> None:
    store = BodyStore(tmp_path / "bodies")
    kept = store.store(b"kept").ref.name
    dropped = store.store(b"dropped").ref.name
    running = store.writer()
    running.write(b"in flight")
    horizon = store.horizon()
    newer = store.store(b"made after the snapshot").ref.name
    assert store.collect({kept}, horizon) == 1
    assert set(store.names()) == {kept, running.name, newer}
    assert dropped not in store.names()


def test_a_discarded_upload_leaves_nothing(tmp_path: Path) -> None:
    store = BodyStore(tmp_path / "bodies")
    writer = store.writer()
    writer.write(b"partial")
    writer.discard()
    assert store.names() == []


def test_slices_measure_and_read_like_bytes(tmp_path: Path) -> None:
    store = BodyStore(tmp_path / "bodies")
    data = bytes(range(256)) * 8
    whole = BodySlice(store.store(data))
    assert len(whole) == len(data) and bytes(whole[100:300]) == data[100:300]
    assert bytes(whole[-10:]) == data[-10:] and not whole[5:5]
    numbered = BodyStore(tmp_path / "bodies").horizon()
    assert numbered > 1, "numbering goes on after a restart"
