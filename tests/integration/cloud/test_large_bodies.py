"""Large S3 bodies live in their own files: streamed in and out, never held in memory, kept across kill -9."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from pathlib import Path
from typing import Any

import pytest

from squall.cloud import journal
from squall.cloud.auth import sigv4
from squall.cloud.info import CloudPaths
from tests.integration.cloud.conftest import Daemons
from tests.integration.cloud.test_signatures import send, signed_s3_headers
from tests.integration.conftest import REGION

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


def _trailing_checksums(s3: Any, seen: list[dict[str, str]]) -> None:
    """Make ``s3`` send PutObject and UploadPart bodies aws-chunked with a checksum trailer, as botocore
    does over HTTPS (over plain HTTP it signs the payload instead), and record the headers it sent."""

    def trailer(params: dict[str, Any], **_: Any) -> None:
        algorithm = params["context"].get("checksum", {}).get("request_algorithm")
        if isinstance(algorithm, dict):
            algorithm["in"] = "trailer"

    def record(request: Any, **_: Any) -> None:
        seen.append(
            {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        )

    for operation in ("PutObject", "UploadPart"):
        s3.meta.events.register(f"before-call.s3.{operation}", trailer)
        s3.meta.events.register(f"before-send.s3.{operation}", record)


@pytest.mark.timeout(900)
def test_an_aws_chunked_upload_of_1_gib_streams_to_its_body_file(daemons: Daemons, tmp_path: Path) -> None:
    size = 1 << 30
    source = tmp_path / "big.bin"
    expected = _sparse_source(source, size)
    home = daemons.home()
    info = daemons.start(home)
    s3 = daemons.clients(info)("s3")
    s3.create_bucket(Bucket="chunked")
    seen: list[dict[str, str]] = []
    _trailing_checksums(s3, seen)
    before = _peak_rss(info.pid)
    with open(source, "rb") as body:
        s3.put_object(Bucket="chunked", Key="big", Body=body)
    grown = _peak_rss(info.pid) - before
    assert seen[-1]["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert "aws-chunked" in seen[-1]["content-encoding"] and seen[-1]["transfer-encoding"] == "chunked"
    assert grown < 256 * MIB, f"an aws-chunked 1 GiB upload streams to disk, not into memory ({grown} bytes)"
    bodies = CloudPaths.under(home).state / "bodies"
    assert [p.stat().st_size for p in bodies.iterdir()] == [size], "the decoded value, in its own file"
    daemons.kill9(info)
    source.unlink()

    s3 = daemons.clients(daemons.start(home))("s3")
    digest = hashlib.sha256()
    for chunk in s3.get_object(Bucket="chunked", Key="big")["Body"].iter_chunks(4 * MIB):
        digest.update(chunk)
    assert digest.hexdigest() == expected


@pytest.mark.timeout(900)
def test_a_multipart_upload_of_1_gib_completes_on_disk(daemons: Daemons, tmp_path: Path) -> None:
    part_size, count = 128 * MIB, 8
    source = tmp_path / "part.bin"
    _sparse_source(source, part_size)
    whole = hashlib.sha256()
    with open(source, "rb") as file:
        part = file.read()
    for _ in range(count):
        whole.update(part)
    del part
    home = daemons.home()
    info = daemons.start(home)
    s3 = daemons.clients(info)("s3")
    s3.create_bucket(Bucket="parts")
    upload = s3.create_multipart_upload(Bucket="parts", Key="big")["UploadId"]
    etags = []
    for number in range(1, count + 1):
        with open(source, "rb") as body:
            etags.append(
                s3.upload_part(Bucket="parts", Key="big", UploadId=upload, PartNumber=number, Body=body)[
                    "ETag"
                ]
            )
    before = _peak_rss(info.pid)
    s3.complete_multipart_upload(
        Bucket="parts",
        Key="big",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n + 1, "ETag": etag} for n, etag in enumerate(etags)]},
    )
    grown = _peak_rss(info.pid) - before
    assert grown < 256 * MIB, f"completing a 1 GiB upload concatenates its parts on disk ({grown} bytes)"
    assert s3.head_object(Bucket="parts", Key="big")["ContentLength"] == part_size * count
    daemons.kill9(info)

    s3 = daemons.clients(daemons.start(home))("s3")
    digest = hashlib.sha256()
    for chunk in s3.get_object(Bucket="parts", Key="big")["Body"].iter_chunks(4 * MIB):
        digest.update(chunk)
    assert digest.hexdigest() == whole.hexdigest()


def _signed_chunks(payload: bytes, key: bytes, timestamp: str, seed: str, size: int) -> tuple[bytes, str]:
    """``payload`` in signed aws-chunked framing, each chunk's signature chained to the one before."""
    scope = sigv4.scope(timestamp[:8], REGION, "s3")
    body, previous = bytearray(), seed
    for start in [*range(0, len(payload), size), len(payload)]:
        data = payload[start : start + size]
        text = (
            f"AWS4-HMAC-SHA256-PAYLOAD\n{timestamp}\n{scope}\n{previous}\n{sigv4.EMPTY_SHA256}\n"
            f"{hashlib.sha256(data).hexdigest()}"
        )
        previous = sigv4.signature(key, text)
        body += f"{len(data):x};chunk-signature={previous}\r\n".encode() + data + b"\r\n"
    return bytes(body), previous


def _trailer(key: bytes, timestamp: str, previous: str, name: str, value: str) -> bytes:
    scope = sigv4.scope(timestamp[:8], REGION, "s3")
    canonical = f"{name}:{value}\n"
    text = (
        f"AWS4-HMAC-SHA256-TRAILER\n{timestamp}\n{scope}\n{previous}\n"
        f"{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    return f"{name}:{value}\r\nx-amz-trailer-signature:{sigv4.signature(key, text)}\r\n\r\n".encode()


def test_signed_aws_chunked_bodies_are_checked_chunk_by_chunk_on_their_way_to_disk(daemons: Daemons) -> None:
    home = daemons.home()
    info = daemons.start(home)
    s3 = daemons.clients(info)("s3")
    s3.create_bucket(Bucket="signed")
    bodies = CloudPaths.under(home).state / "bodies"
    payload = os.urandom(3 * MIB + 5)
    extra = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(payload))}

    headers, key, timestamp, seed = signed_s3_headers(
        info, home, "PUT", "/signed/plain", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", extra
    )
    body, _ = _signed_chunks(payload, key, timestamp, seed, 64 * 1024)
    assert send(info, "PUT", "/signed/plain", body, headers)[0] == 200
    assert s3.get_object(Bucket="signed", Key="plain")["Body"].read() == payload
    assert [p.stat().st_size for p in bodies.iterdir()] == [len(payload)]

    tampered = body.replace(payload[2 * MIB : 2 * MIB + 10], b"x" * 10)
    status, answer = send(info, "PUT", "/signed/tampered", tampered, headers)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in answer

    crc = base64.b64encode(zlib.crc32(payload).to_bytes(4, "big")).decode()
    wrong = base64.b64encode(zlib.crc32(payload + b"!").to_bytes(4, "big")).decode()
    for name, checksum, expected in (("trailed", crc, 200), ("wrong-sum", wrong, 400)):
        headers, key, timestamp, seed = signed_s3_headers(
            info,
            home,
            "PUT",
            f"/signed/{name}",
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            {**extra, "x-amz-trailer": "x-amz-checksum-crc32", "x-amz-sdk-checksum-algorithm": "CRC32"},
        )
        chunks, previous = _signed_chunks(payload, key, timestamp, seed, 256 * 1024)
        body = chunks[:-2] + _trailer(key, timestamp, previous, "x-amz-checksum-crc32", checksum)
        status, answer = send(info, "PUT", f"/signed/{name}", body, headers)
        assert status == expected, answer
    assert b"<Code>BadDigest</Code>" in answer and b"CRC32 you specified did not match" in answer
    got = s3.get_object(Bucket="signed", Key="trailed", ChecksumMode="ENABLED")
    assert got["Body"].read() == payload and got["ChecksumCRC32"] == crc
    assert {o["Key"] for o in s3.list_objects_v2(Bucket="signed")["Contents"]} == {"plain", "trailed"}
    assert len(list(bodies.iterdir())) == 2, "refused bodies leave no file behind"
