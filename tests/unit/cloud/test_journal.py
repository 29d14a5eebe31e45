"""Journal framing: torn tails told apart from damage, on bytes only."""

from __future__ import annotations

from pathlib import Path

import pytest

from squall.cloud import journal
from squall.cloud.bodies import BodyRef
from squall.cloud.record import Record


def _segment(*payloads: bytes) -> bytes:
    return journal.MAGIC + b"".join(journal.frame(p) for p in payloads)


def test_records_round_trip() -> None:
    scanned = journal.scan(_segment(b"one", b"", b"three" * 1000))
    assert scanned.records == [b"one", b"", b"three" * 1000]
    assert scanned.torn is None and scanned.damage == []


def test_empty_segment_has_no_records() -> None:
    assert journal.scan(b"").records == []
    assert journal.scan(journal.MAGIC).records == []


@pytest.mark.parametrize("cut", [1, 4, 7, 8, 9, 12, 26])
def test_torn_last_record_is_cut_and_located(cut: int) -> None:
    whole = _segment(b"first", b"second!")
    scanned = journal.scan(whole[: len(whole) - cut])
    assert scanned.records == [b"first"]
    assert scanned.good_end == len(_segment(b"first"))
    assert scanned.torn is not None and scanned.damage == []


def test_a_tear_in_an_older_segment_is_damage() -> None:
    whole = _segment(b"first", b"second!")
    scanned = journal.scan(whole[:-3], last=False)
    assert scanned.torn is None and len(scanned.damage) == 1


def test_zeros_at_the_end_are_a_torn_tail() -> None:
    scanned = journal.scan(_segment(b"first") + b"\x00" * 4096)
    assert scanned.records == [b"first"] and scanned.torn is not None and "zero" in scanned.torn


def test_flipped_payload_bit_in_the_middle_is_damage_with_the_rest_counted() -> None:
    payloads = [f"record {i}".encode() * 10 for i in range(10)]
    data = bytearray(_segment(*payloads))
    third = len(_segment(*payloads[:3]))
    data[third + journal.HEADER_SIZE + 5] ^= 0x04
    scanned = journal.scan(bytes(data))
    assert scanned.torn is None
    assert [d.offset for d in scanned.damage] == [third]
    assert "checksum" in scanned.damage[0].reason
    assert scanned.records == payloads[:3] + payloads[4:]
    assert scanned.intact_after(third) == 6
    assert scanned.good_end == third


def test_flipped_length_bit_is_damage_not_a_tear() -> None:
    payloads = [b"a" * 100, b"b" * 100, b"c" * 100]
    data = bytearray(_segment(*payloads))
    second = len(_segment(payloads[0]))
    data[second + 6] ^= 0x10  # a byte of the 64-bit length: it now points far past the end
    scanned = journal.scan(bytes(data))
    assert scanned.torn is None
    assert scanned.damage and scanned.damage[0].offset == second
    assert "header" in scanned.damage[0].reason
    assert scanned.records == [payloads[0], payloads[2]]


def test_lengths_past_4_gib_fit_the_header() -> None:
    length = (5 << 30) + 17
    head = journal.header(length, 0xDEADBEEF)
    scanned = journal.scan(journal.MAGIC + head + b"partial")
    assert scanned.torn is not None and f"of {length + journal.HEADER_SIZE} bytes" in scanned.torn


def test_foreign_and_old_files_are_damage() -> None:
    assert "magic" in journal.scan(b"not a journal at all").damage[0].reason
    old = journal.scan(journal.OLD_MAGIC + b"\x00\x00\x00\x01\x00\x00\x00\x00x")
    assert "older version" in old.damage[0].reason


def test_record_encoding_round_trips() -> None:
    record = Record(7, 42, 1.5, "sqs", "us-east-1", "POST", "/", "a=b", (("x-amz-target", "T"),), b"\x00body")
    assert Record.decode(record.encode()) == record
    ref = BodyRef("000000000001-ab.body", 5 << 30, "m" * 32, "s" * 64, (("x-amz-checksum-crc32", "AAAA"),))
    with_body = Record(8, 1, 2.0, "s3", "us-east-1", "PUT", "/b/k", "", (), b"", ref)
    assert Record.decode(with_body.encode()) == with_body


def test_record_decoding_never_unpickles() -> None:
    import pickle

    with pytest.raises(ValueError):
        Record.decode(pickle.dumps((2, 1)))
    with pytest.raises(ValueError):
        Record.decode(Record(1, 1, 1.0, "s", "r", "m", "/", "", (), b"x").encode()[:-3])


def test_segment_names_round_trip() -> None:
    assert journal.segment_name(7) == "journal-00000007.log"
    assert journal.segment_seq(Path(journal.segment_name(123))) == 123
    assert journal.segment_seq(Path("journal-x.log")) is None
