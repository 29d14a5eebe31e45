"""Expressions built from keyword arguments: every name and value behind a placeholder."""

from __future__ import annotations

import pytest

from squall.binding.clients.expressions import Expression


def test_update_uses_placeholders_for_reserved_words() -> None:
    expression = Expression()
    text = expression.update({"name": "x"}, {"count": 1}, ["status"])
    assert text == "SET #q0 = :q0 ADD #q1 :q1 REMOVE #q2"
    assert expression.request() == {
        "ExpressionAttributeNames": {"#q0": "name", "#q1": "count", "#q2": "status"},
        "ExpressionAttributeValues": {":q0": {"S": "x"}, ":q1": {"N": "1"}},
    }


def test_an_empty_update_is_refused() -> None:
    with pytest.raises(ValueError, match="set=, add= or remove="):
        Expression().update(None, None, None)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ((">=", 5), "#q0 = :q0 AND #q1 >= :q1"),
        (("between", 1, 9), "#q0 = :q0 AND #q1 BETWEEN :q1 AND :q2"),
        (("begins_with", "2024-"), "#q0 = :q0 AND begins_with(#q1, :q1)"),
    ],
)
def test_key_conditions(condition: tuple[object, ...], expected: str) -> None:
    assert Expression().key_condition(("userId", "u1"), ("createdAt", condition)) == expected


def test_an_unknown_sort_condition_says_what_is_accepted() -> None:
    with pytest.raises(ValueError, match="'between', low, high"):
        Expression().key_condition(("userId", "u1"), ("createdAt", ("~", 1)))


def test_caller_placeholders_and_boto3_conditions_are_merged() -> None:
    from boto3.dynamodb.conditions import Attr

    expression = Expression()
    assert expression.condition("#n < :v", {":v": 2}, {"#n": "n"}) == "#n < :v"
    built = Expression()
    text = built.condition(Attr("status").eq("open"), None, None)
    assert text == "#n0 = :v0"
    assert built.request()["ExpressionAttributeNames"] == {"#n0": "status"}
    assert built.request()["ExpressionAttributeValues"] == {":v0": {"S": "open"}}
    assert expression.request()["ExpressionAttributeValues"] == {":v": {"N": "2"}}
