"""Large S3 bodies live in their own files: streamed in and out, never held in memory, kept across kill -9."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from squall.cloud import journal
from squall.cloud.info import CloudPaths
from tests.integration.cloud.conftest import Daemons

MIB = 1 << 20


def _peak_rss(pid: int) -> int:
    """The process's peak resident memory so far, in bytes (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def _sparse_source(path: Path, size: int) -> str:
    """A file of ``size`` bytes that takes no disk: random blocks at its start, middle and end, zeros between."""
    with open(path, "wb") as file:
        file.truncate(size)
        for at in (0, size // 2, size - 4096):
            file.seek(at)
            file.write(os.urandom(4096))
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(16 * MIB):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.mark.timeout(900)
def test_object_of_1_gib_and_1_mib_survives_kill_9_without_passing_through_memory(
    daemons: Daemons, tmp_path: Path
) -> None:
    size = (1 << 30) + MIB
    source = tmp_path / "big.bin"
    expected = _sparse_source(source, size)
    home = daemons.home()
    info = daemons.start(home)
    s3 = daemons.clients(info)("s3")
    s3.create_bucket(Bucket="big-bucket")
    before = _peak_rss(info.pid)
    with open(source, "rb") as body:
        s3.put_object(Bucket="big-bucket", Key="big", Body=body)
    assert _peak_rss(info.pid) - before < 256 * MIB, "a 1 GiB upload streams to disk, not into memory"
    state = CloudPaths.under(home).state
    assert sum(path.stat().st_size for _, path in journal.segments(state)) < MIB, "the body is not journaled"
    daemons.kill9(info)
    source.unlink()

    again = daemons.start(home)
    s3 = daemons.clients(again)("s3")
    assert s3.head_object(Bucket="big-bucket", Key="big")["ContentLength"] == size
    before = _peak_rss(again.pid)
    digest = hashlib.sha256()
    got = s3.get_object(Bucket="big-bucket", Key="big")
    for chunk in got["Body"].iter_chunks(4 * MIB):
        digest.update(chunk)
    assert digest.hexdigest() == expected
    assert _peak_rss(again.pid) - before < 256 * MIB, "a 1 GiB download is sent from its file"
    tail = s3.get_object(Bucket="big-bucket", Key="big", Range=f"bytes={size - 4096}-")["Body"].read()
    assert len(tail) == 4096 and tail != b"\x00" * 4096


def test_streamed_puts_parts_copies_and_ranges_survive_kill_9(daemons: Daemons) -> None:
    home = daemons.home()
    info = daemons.start(home)
    s3 = daemons.clients(info)("s3")
    s3.create_bucket(Bucket="bodies")
    three = os.urandom(3 * MIB)
    s3.put_object(Bucket="bodies", Key="three", Body=three)
    s3.copy_object(Bucket="bodies", Key="copy", CopySource={"Bucket": "bodies", "Key": "three"})
    upload = s3.create_multipart_upload(Bucket="bodies", Key="parts")["UploadId"]
    parts = [os.urandom(5 * MIB), os.urandom(2 * MIB)]
    etags = [
        s3.upload_part(Bucket="bodies", Key="parts", UploadId=upload, PartNumber=n + 1, Body=part)["ETag"]
        for n, part in enumerate(parts)
    ]
    s3.complete_multipart_upload(
        Bucket="bodies",
        Key="parts",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n + 1, "ETag": etag} for n, etag in enumerate(etags)]},
    )
    s3.put_object(Bucket="bodies", Key="gone", Body=os.urandom(2 * MIB))
    s3.delete_object(Bucket="bodies", Key="gone")
    etag = s3.head_object(Bucket="bodies", Key="three")["ETag"]
    assert etag == f'"{hashlib.md5(three).hexdigest()}"'
    daemons.kill9(info)

    s3 = daemons.clients(daemons.start(home))("s3")
    assert s3.get_object(Bucket="bodies", Key="three")["Body"].read() == three
    assert s3.head_object(Bucket="bodies", Key="three")["ETag"] == etag
    assert s3.get_object(Bucket="bodies", Key="copy")["Body"].read() == three
    assert s3.get_object(Bucket="bodies", Key="parts")["Body"].read() == b"".join(parts)
    middle = s3.get_object(Bucket="bodies", Key="three", Range="bytes=1000-1999")["Body"].read()
    assert middle == three[1000:2000]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="bodies")["Contents"]}
    assert keys == {"three", "copy", "parts"}
