"""SNS filter policies (the examples of the SNS developer guide)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from squall.events.filters import policy_matches


def attrs(**values: Any) -> dict[str, dict[str, Any]]:
    return {
        name: {"Type": "Number" if isinstance(v, int | float) else "String", "Value": v}
        for name, v in values.items()
    }


@pytest.mark.parametrize(
    ("policy", "attributes", "expected"),
    [
        ({"store": ["example_corp"]}, attrs(store="example_corp"), True),
        ({"store": ["example_corp"]}, attrs(store="other"), False),
        ({"store": ["example_corp"]}, {}, False),
        ({"event": ["order_placed", "order_cancelled"]}, attrs(event="order_cancelled"), True),
        ({"customer_interests": [{"prefix": "bas"}]}, attrs(customer_interests="baseball"), True),
        ({"customer_interests": [{"prefix": "bas"}]}, attrs(customer_interests="rugby"), False),
        (
            {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]},
            attrs(customer_interests="baseball"),
            True,
        ),
        (
            {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]},
            attrs(customer_interests="rugby"),
            False,
        ),
        ({"price_usd": [{"numeric": [">=", 100, "<", 200]}]}, attrs(price_usd=150), True),
        ({"price_usd": [{"numeric": [">=", 100, "<", 200]}]}, attrs(price_usd=200), False),
        ({"price_usd": [{"numeric": ["=", 301.5]}]}, attrs(price_usd=301.5), True),
        ({"store": [{"exists": True}]}, attrs(store="x"), True),
        ({"store": [{"exists": False}]}, attrs(store="x"), False),
        ({"store": [{"exists": False}]}, {}, True),
        ({"store": ["a"], "event": ["b"]}, attrs(store="a", event="b"), True),
        ({"store": ["a"], "event": ["b"]}, attrs(store="a", event="c"), False),
        ({}, attrs(store="a"), True),
    ],
)
def test_attribute_policies(policy: dict[str, Any], attributes: dict[str, Any], expected: bool) -> None:
    assert policy_matches(policy, "message", attributes) is expected


def test_body_policies() -> None:
    body = json.dumps({"order": {"state": "placed", "total": 120}})
    assert policy_matches({"order": {"state": ["placed"]}}, body, scope="MessageBody")
    assert not policy_matches({"order": {"state": ["cancelled"]}}, body, scope="MessageBody")
    assert policy_matches({"order": {"total": [{"numeric": [">", 100]}]}}, body, scope="MessageBody")
