"""DynamoDB's limits beyond its model: attribute values as DynamoDB reads them, item and request sizes.

- every ``AttributeValue`` holds exactly one data type, numbers parse and fit (38 significant digits,
  magnitude 1E-130 to 1E+126), sets are neither empty nor duplicated, ``NULL`` is true, and nesting
  stays within 32 levels;
- an item is at most 400 KB (409,600 bytes, measured as DynamoDB measures it: names and values in
  UTF-8, numbers by their significant digits, binary decoded, 3 bytes per map or list plus 1 per
  element);
- a ``BatchWriteItem`` request is at most 16 MB, a ``BatchGetItem`` asks for at most 100 keys in all.

The counts the model states (25 writes per table, 100 transaction items) are checked with the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from squall.cloud.plugins import CloudRequest
from squall.cloud.validation.dialects import Rejection

DYNAMODB_ITEM_BYTES = 400 * 1024
DYNAMODB_NESTING = 32
DYNAMODB_BATCH_WRITE_BYTES = 16 * 1024 * 1024
DYNAMODB_BATCH_GET_KEYS = 100

_PLAIN = frozenset({"S", "B", "BOOL"})  # types with nothing to check beyond their JSON type
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_MAX_NUMBER = Decimal("9.9999999999999999999999999999999999999E+125")
_MIN_NUMBER = Decimal("1E-130")


def _invalid(message: str) -> Rejection:
    return Rejection("ValidationException", message)


def _attribute_problem(value: dict[str, Any], depth: int, stack: list[tuple[Any, int]]) -> str | None:
    """What is wrong with one AttributeValue (its nested values are pushed on ``stack``)."""
    if len(value) == 1:
        kind, item = next(iter(value.items()))
        if kind in _PLAIN and item is not None:
            return None
        present = [] if item is None else [(kind, item)]
    else:
        present = [(kind, item) for kind, item in value.items() if item is not None]
    if not present:
        return "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    if len(present) > 1:
        return "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
    kind, item = present[0]
    if kind == "N":
        return _number_problem(item)
    if kind in ("SS", "NS", "BS"):
        if not item:
            noun = {"SS": "string", "NS": "number", "BS": "binary"}[kind]
            return f"One or more parameter values were invalid: An {noun} set  may not be empty"
        if kind == "NS":
            for number in item:
                problem = _number_problem(number)
                if problem:
                    return problem
            distinct = len({Decimal(n) for n in item})
        else:
            distinct = len(set(item))
        if distinct != len(item):
            return f"One or more parameter values were invalid: Input collection [{', '.join(item)}] contains duplicates."
    elif kind == "NULL" and item is not True:
        return "One or more parameter values were invalid: Null attribute value types must have the value of true"
    elif kind in ("M", "L"):
        if depth >= DYNAMODB_NESTING:
            return "Nesting Levels have exceeded supported limits"
        children = item.values() if kind == "M" else item
        stack.extend((child, depth + 1) for child in children)
    return None


def _number_problem(text: str) -> str | None:
    if not _NUMBER.fullmatch(text):
        return "A value provided cannot be converted into a number"
    try:
        number = Decimal(text)
    except InvalidOperation:
        return "A value provided cannot be converted into a number"
    if number.is_zero():
        return None
    digits = "".join(map(str, number.as_tuple().digits)).strip("0")  # exact: no context rounding
    if len(digits) > 38:
        return "Attempting to store more than 38 significant digits in a Number"
    magnitude = abs(number)
    if magnitude > _MAX_NUMBER:
        return "Number overflow. Attempting to store a number with magnitude larger than supported range"
    if magnitude < _MIN_NUMBER:
        return "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    return None


def attribute_values_problem(values: dict[str, Any]) -> str | None:
    """The first problem in a map of AttributeValues (an item, a key, expression values)."""
    stack: list[tuple[Any, int]] = [(value, 0) for value in values.values()]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            problem = _attribute_problem(value, depth, stack)
            if problem:
                return problem
    return None


def item_size(item: dict[str, Any]) -> int:
    """An item's size in bytes as DynamoDB counts it toward the 400 KB limit."""
    size = 0
    stack: list[Any] = []
    for name, value in item.items():
        size += len(name.encode())
        stack.append(value)
    while stack:
        value = stack.pop()
        if not isinstance(value, dict):
            continue
        for kind, item_value in value.items():
            if item_value is None:
                continue
            if kind == "S":
                size += len(item_value.encode())
            elif kind == "N":
                size += number_size(item_value)
            elif kind == "B":
                size += binary_size(item_value)
            elif kind == "SS":
                size += sum(len(s.encode()) for s in item_value)
            elif kind == "NS":
                size += sum(number_size(n) for n in item_value)
            elif kind == "BS":
                size += sum(binary_size(b) for b in item_value)
            elif kind in ("NULL", "BOOL"):
                size += 1
            elif kind == "M":
                size += 3 + sum(len(k.encode()) + 1 for k in item_value)
                stack.extend(item_value.values())
            elif kind == "L":
                size += 3 + len(item_value)
                stack.extend(item_value)
    return size


def number_size(text: str) -> int:
    """A number's size: 1 byte per two significant digits, plus 1."""
    mantissa = text.lstrip("+-").lower().partition("e")[0]
    digits = len(mantissa.replace(".", "").strip("0")) or 1
    return (digits + 1) // 2 + 1


def binary_size(value: Any) -> int:
    """The decoded size of a binary value (base64 text on the wire)."""
    if isinstance(value, bytes | bytearray):
        return len(value)
    text = str(value)
    return len(text) * 3 // 4 - text[-2:].count("=")


def _values(document: dict[str, Any], *keys: str) -> Iterator[dict[str, Any]]:
    for key in keys:
        value = document.get(key)
        if isinstance(value, dict):
            yield value


def _check_items(
    items: list[dict[str, Any]], values: list[dict[str, Any]], request: CloudRequest
) -> Rejection | None:
    for group in (*items, *values):
        problem = attribute_values_problem(group)
        if problem:
            return _invalid(problem)
    # an item's size never exceeds the length of its JSON text, so a small request needs no measuring
    if len(request.body) > DYNAMODB_ITEM_BYTES:
        for item in items:
            if item_size(item) > DYNAMODB_ITEM_BYTES:
                return _invalid("Item size has exceeded the maximum allowed size")
    return None


def put_item(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    return _check_items(
        list(_values(document, "Item")), list(_values(document, "ExpressionAttributeValues")), request
    )


def keyed(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    """GetItem, DeleteItem, UpdateItem, Query, Scan: their keys and expression values."""
    return _check_items(
        [], list(_values(document, "Key", "ExclusiveStartKey", "ExpressionAttributeValues")), request
    )


def batch_write_item(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    if len(request.body) > DYNAMODB_BATCH_WRITE_BYTES:
        return _invalid("The total request size exceeds the limit of 16 MB for a BatchWriteItem call")
    items: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    for requests in (document.get("RequestItems") or {}).values():
        for write in requests:
            items.extend(_values(write.get("PutRequest") or {}, "Item"))
            keys.extend(_values(write.get("DeleteRequest") or {}, "Key"))
    return _check_items(items, keys, request)


def batch_get_item(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    tables = (document.get("RequestItems") or {}).values()
    keys = [key for table in tables for key in (table.get("Keys") or []) if isinstance(key, dict)]
    if len(keys) > DYNAMODB_BATCH_GET_KEYS:
        return _invalid("Too many items requested for the BatchGetItem call")
    return _check_items([], keys, request)


def transact_write_items(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    items: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    for action in document.get("TransactItems") or []:
        for kind, operation in action.items():
            if not isinstance(operation, dict):
                continue
            if kind == "Put":
                items.extend(_values(operation, "Item"))
            values.extend(_values(operation, "Key", "ExpressionAttributeValues"))
    return _check_items(items, values, request)


def transact_get_items(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    keys = [
        key
        for action in document.get("TransactItems") or []
        for key in _values(action.get("Get") or {}, "Key")
    ]
    return _check_items([], keys, request)
