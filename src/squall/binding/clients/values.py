"""Plain Python values to DynamoDB's typed form and back, with boto3's TypeSerializer/TypeDeserializer.

In: ``float`` is accepted (as the Decimal of its shortest repr, so ``0.1`` stores ``0.1``); out: a number
that is whole comes back as ``int``, one a ``float`` holds exactly as ``float``, any other as ``Decimal``;
binary comes back as ``bytes``. Nothing is rounded either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal  # loaded with boto3 anyway: this module is imported when a table is first used
from typing import Any


def _prepare(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {key: _prepare(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_prepare(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return {_prepare(item) for item in value}
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return {_plain(item) for item in value}
    raw = getattr(value, "value", None)
    if isinstance(raw, bytes) and type(value).__name__ == "Binary":
        return raw
    return value


def to_dynamo(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"clicks": 1}`` → ``{"clicks": {"N": "1"}}``."""
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {key: serializer.serialize(_prepare(value)) for key, value in values.items()}


def from_dynamo(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"clicks": {"N": "1"}}`` → ``{"clicks": 1}``."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {key: _plain(deserializer.deserialize(value)) for key, value in values.items()}
