"""Journal framing and recovery of torn tails, on bytes only."""

from __future__ import annotations

import pytest

from squall.cloud import journal
from squall.cloud.record import Record


def _segment(*payloads: bytes) -> bytes:
    return journal.MAGIC + b"".join(journal.frame(p) for p in payloads)


def test_records_round_trip() -> None:
    scanned = journal.scan(_segment(b"one", b"", b"three" * 1000))
    assert scanned.records == [b"one", b"", b"three" * 1000]
    assert scanned.problem is None


def test_empty_segment_has_no_records() -> None:
    assert journal.scan(b"") == journal.Scan([], 0)
    assert journal.scan(journal.MAGIC).records == []


@pytest.mark.parametrize("cut", [1, 4, 7, 8, 9, 12])
def test_torn_last_record_is_dropped_and_located(cut: int) -> None:
    whole = _segment(b"first", b"second!")
    scanned = journal.scan(whole[: len(whole) - cut])
    assert scanned.records == [b"first"]
    assert scanned.good_end == len(_segment(b"first"))
    assert scanned.problem is not None and "torn" in scanned.problem


def test_corrupt_record_fails_its_checksum() -> None:
    whole = bytearray(_segment(b"first", b"second"))
    whole[-1] ^= 0xFF
    scanned = journal.scan(bytes(whole))
    assert scanned.records == [b"first"]
    assert scanned.problem is not None and "checksum" in scanned.problem


def test_absurd_length_is_a_tear_not_an_allocation() -> None:
    scanned = journal.scan(journal.MAGIC + b"\xff\xff\xff\xff\x00\x00\x00\x00")
    assert scanned.records == [] and scanned.problem is not None


def test_foreign_file_is_refused_politely() -> None:
    scanned = journal.scan(b"not a journal at all")
    assert scanned.records == [] and scanned.problem is not None


def test_record_encoding_round_trips() -> None:
    record = Record(42, 1.5, "sqs", "us-east-1", "POST", "/", "a=b", (("x-amz-target", "T"),), b"\x00body")
    assert Record.decode(record.encode()) == record


def test_record_with_unknown_version_is_rejected() -> None:
    import pickle

    with pytest.raises(ValueError):
        Record.decode(pickle.dumps((99, 1)))


def test_segment_names_round_trip() -> None:
    from pathlib import Path

    assert journal.segment_name(7) == "journal-00000007.log"
    assert journal.segment_seq(Path(journal.segment_name(123))) == 123
    assert journal.segment_seq(Path("journal-x.log")) is None
