"""Plain values to DynamoDB's typed form and back: nothing is rounded, nothing comes back as a wrapper."""

from __future__ import annotations

from decimal import Decimal

from squall.binding.clients.values import from_dynamo, to_dynamo


def test_floats_go_in_as_their_shortest_decimal() -> None:
    assert to_dynamo({"a": 0.1, "b": 3, "c": [1.5, {"d": 2.25}]}) == {
        "a": {"N": "0.1"},
        "b": {"N": "3"},
        "c": {"L": [{"N": "1.5"}, {"M": {"d": {"N": "2.25"}}}]},
    }


def test_numbers_come_back_as_int_float_or_decimal_without_loss() -> None:
    values = from_dynamo(
        {"whole": {"N": "42"}, "half": {"N": "0.5"}, "exact": {"N": "1.000000000000000000001"}}
    )
    assert values == {"whole": 42, "half": 0.5, "exact": Decimal("1.000000000000000000001")}
    assert [type(v) for v in values.values()] == [int, float, Decimal]


def test_binary_sets_and_nesting_come_back_plain() -> None:
    values = from_dynamo(
        {
            "b": {"B": b"\x00"},
            "ns": {"NS": ["1", "2"]},
            "m": {"M": {"l": {"L": [{"N": "7"}, {"BOOL": True}]}}},
        }
    )
    assert values == {"b": b"\x00", "ns": {1, 2}, "m": {"l": [7, True]}}
    assert type(values["b"]) is bytes
