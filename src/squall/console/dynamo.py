"""DynamoDB items as plain JSON for the page, and back: numbers stay exact, binary is base64."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

from squall.console.errors import BadRequest

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def plain(value: Any) -> Any:
    """A deserialized DynamoDB value as JSON-able data."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Binary):
        return base64.b64encode(vars(value)["value"]).decode()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=str)
    return value


def from_dynamo(item: dict[str, Any]) -> dict[str, Any]:
    """``{"a": {"S": "x"}}`` → ``{"a": "x"}``."""
    return {key: plain(_deserializer.deserialize(value)) for key, value in item.items()}


def _exact(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def to_dynamo(item: dict[str, Any]) -> dict[str, Any]:
    """``{"a": "x", "n": 1.5}`` → ``{"a": {"S": "x"}, "n": {"N": "1.5"}}``."""
    if not isinstance(item, dict):
        raise BadRequest("an item must be a JSON object")
    try:
        return {key: _serializer.serialize(_exact(value)) for key, value in item.items()}
    except TypeError as exc:
        raise BadRequest(f"cannot store this item: {exc}") from exc


def key_value(value: Any, attribute_type: str) -> dict[str, Any]:
    """A key attribute typed from the table's definition (``S``, ``N`` or ``B``)."""
    if attribute_type == "N":
        try:
            return {"N": str(Decimal(str(value)))}
        except ArithmeticError as exc:
            raise BadRequest(f"{value!r} is not a number") from exc
    if attribute_type == "B":
        return {"B": base64.b64decode(str(value))}
    return {"S": str(value)}


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, default=_bytes_json).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as exc:
        raise BadRequest("bad cursor") from exc
    if not isinstance(data, dict):
        raise BadRequest("bad cursor")
    return {k: ({"B": base64.b64decode(v["B"])} if "B" in v else v) for k, v in data.items()}


def _bytes_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(type(value).__name__)
