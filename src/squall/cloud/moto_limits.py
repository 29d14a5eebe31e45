"""Where moto's DynamoDB limits are stricter than AWS's, AWS's apply.

The request path (``validation``) refuses what AWS refuses before moto runs; moto must not then refuse
what AWS accepts:

- ``TransactGetItems`` takes up to 100 items, as ``TransactWriteItems`` does (AWS raised both from 25
  in 2022; moto still stops ``TransactGetItems`` at 25).
- An item's size is measured as DynamoDB measures it (numbers by their significant digits, binary
  values decoded, 3 bytes per map or list plus 1 per element), against 400 KB (409,600 bytes). moto
  counts base64 text and number strings and stops at 405,000 bytes, so it refused items AWS stores,
  and key values AWS accepts. Its check stays where only it can decide: the size of an item after an
  ``UpdateItem``.

``restoring`` lifts that check while a snapshot is loaded and the journal replayed: every item restored
passed it when its request was first served (a refused request is never journaled), and measuring the
whole item again on each attribute set is most of what a replay costs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from squall.cloud.validation.dynamodb import DYNAMODB_ITEM_BYTES, binary_size, number_size

AWS_TRANSACTION_ITEMS = 100


def install() -> None:
    import moto.dynamodb.responses as responses
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict

    if getattr(DynamoType.size, "squall_aws", False):
        return
    responses.TRANSACTION_MAX_ITEMS = AWS_TRANSACTION_ITEMS

    def size(self: Any) -> int:
        kind, value = self.type, self.value
        if kind == "N":
            return number_size(str(value))
        if kind == "B":
            return binary_size(value)
        if kind in ("SS", "NS", "BS"):
            return sum(DynamoType({kind[0]: item}).size() for item in value)
        if kind == "L":
            return 3 + sum(int(item.size()) + 1 for item in value)
        if kind == "M":
            return 3 + sum(len(str(key).encode()) + int(item.size()) + 1 for key, item in value.items())
        if kind in ("NULL", "BOOL"):
            return 1
        return len(value.encode()) if isinstance(value, str) else len(bytes(value))

    size.squall_aws = True  # type: ignore[attr-defined]

    def __setitem__(self: Any, key: str, value: Any) -> None:
        current = sum(len(str(k).encode()) + _value_size(v) for k, v in self.items())
        if current + len(key.encode()) + _value_size(value) > DYNAMODB_ITEM_BYTES:
            raise ItemSizeTooLarge
        dict.__setitem__(self, key, value)

    def _value_size(value: Any) -> int:
        return int(value.size()) if isinstance(value, DynamoType) else len(str(value).encode())

    DynamoType.size = size  # type: ignore[method-assign]
    LimitedSizeDict.__setitem__ = __setitem__  # type: ignore[method-assign]


@contextmanager
def restoring() -> Iterator[None]:
    """Within the block, item attributes are set without measuring the item again (see the module doc).

    Only for recovery, which runs before the local cloud serves anything, under the state lock.
    """
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    checked = LimitedSizeDict.__dict__.get("__setitem__")
    LimitedSizeDict.__setitem__ = dict.__setitem__  # type: ignore[method-assign]
    try:
        yield
    finally:
        if checked is None:
            del LimitedSizeDict.__setitem__
        else:
            LimitedSizeDict.__setitem__ = checked  # type: ignore[method-assign]
