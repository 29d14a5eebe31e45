"""DynamoDB items as JSON and back, and scan cursors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from squall.console.dynamo import decode_cursor, encode_cursor, from_dynamo, key_value, to_dynamo
from squall.console.errors import BadRequest


def test_items_round_trip_with_exact_numbers() -> None:
    item = {"pk": "a", "n": 3, "f": Decimal("1.5"), "tags": ["x", 1], "nested": {"ok": True}, "none": None}
    stored = to_dynamo(item)
    assert stored["n"] == {"N": "3"}
    assert stored["f"] == {"N": "1.5"}
    assert from_dynamo(stored) == {
        "pk": "a",
        "n": 3,
        "f": 1.5,
        "tags": ["x", 1],
        "nested": {"ok": True},
        "none": None,
    }


def test_floats_from_json_are_stored_exactly() -> None:
    assert to_dynamo({"f": 0.1}) == {"f": {"N": "0.1"}}


def test_binary_and_sets_become_json() -> None:
    assert from_dynamo({"b": {"B": b"\x00\x01"}, "s": {"SS": ["b", "a"]}}) == {"b": "AAE=", "s": ["a", "b"]}


def test_keys_take_the_tables_attribute_type() -> None:
    assert key_value("7", "N") == {"N": "7"}
    assert key_value(7, "S") == {"S": "7"}
    with pytest.raises(BadRequest):
        key_value("seven", "N")


def test_cursors_round_trip() -> None:
    key = {"pk": {"S": "a"}, "n": {"N": "3"}}
    assert decode_cursor(encode_cursor(key)) == key
    assert encode_cursor(None) is None
    assert decode_cursor("") is None
    with pytest.raises(BadRequest):
        decode_cursor("not-a-cursor!")


def test_an_item_must_be_an_object() -> None:
    with pytest.raises(BadRequest):
        to_dynamo(["not", "an", "item"])  # type: ignore[arg-type]
