"""DynamoDB expressions from keyword arguments: conditions, updates and key conditions.

Every attribute name goes through a ``#`` placeholder and every value through a ``:`` one, so reserved
words (``name``, ``count``, ``status``...) need no care. A condition is either an expression string (with
the caller's own ``values``/``names`` placeholders) or a boto3 condition (``Attr("n").exists()``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from squall.binding.clients.values import to_dynamo


class BuiltCondition(Protocol):
    """A boto3 condition (``boto3.dynamodb.conditions.Attr("n").exists()``), as conditions accept."""

    def get_expression(self) -> Any: ...


COMPARISONS = {"=": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class Expression:
    """Placeholders collected while building one request's expressions."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attribute: str) -> str:
        for placeholder, known in self.names.items():
            if known == attribute and placeholder.startswith("#q"):
                return placeholder
        placeholder = f"#q{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":q{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def condition(
        self, condition: Any, values: Mapping[str, Any] | None, names: Mapping[str, str] | None
    ) -> str | None:
        self.values.update(values or {})
        self.names.update(names or {})
        if condition is None or isinstance(condition, str):
            return condition
        from boto3.dynamodb.conditions import ConditionExpressionBuilder

        built = ConditionExpressionBuilder().build_expression(condition)
        self.names.update(built.attribute_name_placeholders)
        self.values.update(built.attribute_value_placeholders)
        return str(built.condition_expression)

    def update(
        self,
        set: Mapping[str, Any] | None,
        add: Mapping[str, Any] | None,
        remove: Iterable[str] | None,
    ) -> str:
        parts: list[str] = []
        if set:
            parts.append("SET " + ", ".join(f"{self.name(k)} = {self.value(v)}" for k, v in set.items()))
        if add:
            parts.append("ADD " + ", ".join(f"{self.name(k)} {self.value(v)}" for k, v in add.items()))
        removed = list(remove or ())
        if removed:
            parts.append("REMOVE " + ", ".join(self.name(k) for k in removed))
        if not parts:
            raise ValueError("update needs at least one of set=, add= or remove=")
        return " ".join(parts)

    def key_condition(self, partition: tuple[str, Any], sort: tuple[str, Any] | None) -> str:
        text = f"{self.name(partition[0])} = {self.value(partition[1])}"
        if sort is None:
            return text
        attribute, condition = sort
        if not isinstance(condition, tuple) or not condition:
            raise ValueError(f"sort_condition must be a tuple such as ('>=', 5), not {condition!r}")
        operator, *operands = condition
        placeholder = self.name(attribute)
        if operator in COMPARISONS and len(operands) == 1:
            return f"{text} AND {placeholder} {COMPARISONS[operator]} {self.value(operands[0])}"
        if operator == "between" and len(operands) == 2:
            low, high = (self.value(v) for v in operands)
            return f"{text} AND {placeholder} BETWEEN {low} AND {high}"
        if operator == "begins_with" and len(operands) == 1:
            return f"{text} AND begins_with({placeholder}, {self.value(operands[0])})"
        raise ValueError(
            f"unknown sort_condition {condition!r}: use ('=' | '<' | '<=' | '>' | '>=', v), "
            "('between', low, high) or ('begins_with', prefix)"
        )

    def request(self) -> dict[str, Any]:
        """The ``ExpressionAttributeNames``/``Values`` parameters (only those in use)."""
        params: dict[str, Any] = {}
        if self.names:
            params["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            params["ExpressionAttributeValues"] = to_dynamo(self.values)
        return params
