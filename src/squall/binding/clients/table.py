"""``Resource.<Table>``: items in and out as plain dicts, keys by the names declared in ``fields``.

The deployer injects the table's key schema with its name (``"key": ["userId", "noteId"]`` and
``"indexes": {"ByDate": ["userId", "createdAt"]}``), so ``query`` knows which attributes a partition value
and a sort condition apply to. Reads and writes go through boto3's low-level client with the values
converted by ``values``; a false condition raises ``ConditionFailed``. ``.client`` is the raw boto3 client
and ``.table`` the boto3 ``Table`` resource, for everything else.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any

from squall.binding.clients import aws
from squall.binding.clients.base import BoundResource
from squall.binding.clients.errors import ConditionFailed
from squall.binding.clients.expressions import Expression
from squall.binding.clients.values import from_dynamo, to_dynamo

BATCH_SIZE = 25
BATCH_ATTEMPTS = 8


class TableClient(BoundResource):
    """One bound DynamoDB table."""

    _structural = ("key", "indexes")

    @property
    def table_name(self) -> str:
        return self._field("table_name")

    @property
    def arn(self) -> str:
        return self._field("arn")

    @property
    def client(self) -> Any:
        """The boto3 DynamoDB client (low-level, typed values)."""
        return aws.client("dynamodb")

    @property
    def table(self) -> Any:
        """The boto3 ``Table`` resource of this table."""
        import boto3

        return boto3.resource("dynamodb").Table(self.table_name)

    @property
    def key_names(self) -> list[str]:
        return [str(name) for name in self._data.get("key") or []]

    def _index_keys(self, index: str | None) -> list[str]:
        if index is None:
            if not self.key_names:
                raise LookupError(
                    f"Table '{self._id}' was deployed without its key schema: deploy again to query it"
                )
            return self.key_names
        indexes: dict[str, list[str]] = self._data.get("indexes") or {}
        if index not in indexes:
            known = ", ".join(sorted(indexes)) or "none"
            raise ValueError(f"Table '{self._id}' has no index {index!r} (indexes: {known})")
        return list(indexes[index])

    def _key(self, key: Mapping[str, Any] | None, named: Mapping[str, Any], operation: str) -> dict[str, Any]:
        given = dict(key or {}) | dict(named)
        expected = self.key_names
        if expected and sorted(given) != sorted(expected):
            raise TypeError(
                f"Table '{self._id}' {operation}: the key is {', '.join(expected)}, "
                f"got {', '.join(sorted(given)) or 'nothing'}"
            )
        return to_dynamo(given)

    def _failed(self, exc: Exception, operation: str) -> Exception:
        code = aws.error_code(exc)
        if code == "ConditionalCheckFailedException":
            return ConditionFailed(f"Table '{self._id}' {operation}: the condition is false", table=self._id)
        if code == "TransactionCanceledException":
            reasons = [
                str(r.get("Code", "None"))
                for r in getattr(exc, "response", {}).get("CancellationReasons", [])
            ]
            if "ConditionalCheckFailed" in reasons:
                failed = ", ".join(str(i) for i, r in enumerate(reasons) if r == "ConditionalCheckFailed")
                return ConditionFailed(
                    f"Table '{self._id}' transaction: the condition of operation {failed} is false",
                    table=self._id,
                    reasons=reasons,
                )
        return exc

    def _call(self, operation: str, method: str, params: dict[str, Any]) -> Any:
        try:
            return getattr(self.client, method)(**params)
        except Exception as exc:
            failed = self._failed(exc, operation)
            if failed is exc:
                raise
            raise failed from exc

    def get(self, key: Mapping[str, Any] | None = None, /, *, consistent: bool = False, **named: Any) -> Any:
        """The item with this key, or None."""
        found = self._call(
            "get",
            "get_item",
            {"TableName": self.table_name, "Key": self._key(key, named, "get"), "ConsistentRead": consistent},
        )
        item = found.get("Item")
        return from_dynamo(item) if item is not None else None

    def put(
        self,
        item: Mapping[str, Any],
        /,
        *,
        condition: Any = None,
        values: Mapping[str, Any] | None = None,
        names: Mapping[str, str] | None = None,
    ) -> None:
        """Write ``item`` whole; with ``condition`` (e.g. ``"attribute_not_exists(id)"``) only if it holds."""
        expression = Expression()
        params: dict[str, Any] = {"TableName": self.table_name, "Item": to_dynamo(item)}
        text = expression.condition(condition, values, names)
        if text:
            params["ConditionExpression"] = text
        self._call("put", "put_item", params | expression.request())

    def delete(
        self,
        key: Mapping[str, Any] | None = None,
        /,
        *,
        condition: Any = None,
        values: Mapping[str, Any] | None = None,
        names: Mapping[str, str] | None = None,
        **named: Any,
    ) -> Any:
        """Delete the item with this key; returns the item as it was (None if there was none)."""
        expression = Expression()
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": self._key(key, named, "delete"),
            "ReturnValues": "ALL_OLD",
        }
        text = expression.condition(condition, values, names)
        if text:
            params["ConditionExpression"] = text
        old = self._call("delete", "delete_item", params | expression.request()).get("Attributes")
        return from_dynamo(old) if old else None

    def update(
        self,
        key: Mapping[str, Any],
        /,
        *,
        set: Mapping[str, Any] | None = None,
        add: Mapping[str, Any] | None = None,
        remove: Iterable[str] | None = None,
        condition: Any = None,
        values: Mapping[str, Any] | None = None,
        names: Mapping[str, str] | None = None,
    ) -> Any:
        """Set, add to (numbers, sets) or remove attributes of one item; returns the item after it."""
        expression = Expression()
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": self._key(key, {}, "update"),
            "UpdateExpression": expression.update(set, add, remove),
            "ReturnValues": "ALL_NEW",
        }
        text = expression.condition(condition, values, names)
        if text:
            params["ConditionExpression"] = text
        return from_dynamo(self._call("update", "update_item", params | expression.request())["Attributes"])

    def query(
        self,
        partition: Any,
        /,
        *,
        sort_condition: tuple[Any, ...] | None = None,
        index: str | None = None,
        limit: int | None = None,
        forward: bool = True,
        consistent: bool = False,
    ) -> Iterator[Any]:
        """The items of one partition (of the table or of ``index``), in sort order, page after page."""
        keys = self._index_keys(index)
        if sort_condition is not None and len(keys) < 2:
            raise ValueError(
                f"Table '{self._id}' {'index ' + repr(index) if index else 'key'} has no sort key"
            )
        expression = Expression()
        sort = (keys[1], sort_condition) if sort_condition is not None else None
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": expression.key_condition((keys[0], partition), sort),
            "ScanIndexForward": forward,
        }
        if index is not None:
            params["IndexName"] = index
        elif consistent:
            params["ConsistentRead"] = True
        params |= expression.request()
        return self._pages(params, limit)

    def _pages(self, params: dict[str, Any], limit: int | None) -> Iterator[Any]:
        left = limit
        while left is None or left > 0:
            if left is not None:
                params["Limit"] = left
            page = self._call("query", "query", params)
            for item in page.get("Items", []):
                yield from_dynamo(item)
            if left is not None:
                left -= len(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def batch_write(
        self, *, put: Iterable[Mapping[str, Any]] = (), delete: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        """Put and delete many items, 25 per request, retrying what DynamoDB leaves unprocessed."""
        requests = [{"PutRequest": {"Item": to_dynamo(item)}} for item in put]
        requests += [{"DeleteRequest": {"Key": self._key(key, {}, "batch_write")}} for key in delete]
        for start in range(0, len(requests), BATCH_SIZE):
            pending: dict[str, Any] = {self.table_name: requests[start : start + BATCH_SIZE]}
            for attempt in range(BATCH_ATTEMPTS):
                pending = self._call("batch_write", "batch_write_item", {"RequestItems": pending}).get(
                    "UnprocessedItems"
                )
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 2.0))  # DynamoDB asks for backoff before the retry
            else:
                left = sum(len(v) for v in pending.values())
                raise RuntimeError(f"Table '{self._id}' batch_write: {left} writes left unprocessed")

    def transact(self) -> Transaction:
        """``with table.transact() as tx: tx.put(...); tx.update(...)``: all or nothing, at the end."""
        return Transaction(self)


class Transaction:
    """Writes and condition checks on one table, applied together when the ``with`` block ends."""

    def __init__(self, table: TableClient) -> None:
        self._table = table
        self._items: list[dict[str, Any]] = []

    def _add(self, kind: str, params: dict[str, Any], expression: Expression, condition: str | None) -> None:
        params = {"TableName": self._table.table_name, **params}
        if condition:
            params["ConditionExpression"] = condition
        self._items.append({kind: params | expression.request()})

    def put(
        self,
        item: Mapping[str, Any],
        /,
        *,
        condition: Any = None,
        values: Mapping[str, Any] | None = None,
        names: Mapping[str, str] | None = None,
    ) -> None:
        expression = Expression()
        text = expression.condition(condition, values, names)
        self._add("Put", {"Item": to_dynamo(item)}, expression, text)

    def delete(
        self,
        key: Mapping[str, Any] | None = None,
        /,
        *,
        condition: Any = None,
        values: Mapping[str, Any] | None = None,
        names: Mapping[str, str] | None = None,
        **named: Any,
    ) -> None:
        expression = Expression()
        text = expression.condition(condition, values, names)
        self._add("Delete", {"Key": self._table._key(key, named, "delete")}, expression, text)

    def update(
        self,
        key: Mapping[str, Any],
        /,
        *,
        set: Mapping[str, Any] | None = None,
        add: Mapping[str, Any] | None = None,
        remove: Iterable[str] | None = None,
        condition: Any = None,
        values: Mapping[str, Any] | None = None,
        names: Mapping[str, str] | None = None,
    ) -> None:
        expression = Expression()
        params = {
            "Key": self._table._key(key, {}, "update"),
            "UpdateExpression": expression.update(set, add, remove),
        }
        text = expression.condition(condition, values, names)
        self._add("Update", params, expression, text)

    def check(
        self,
        key: Mapping[str, Any],
        /,
        *,
        condition: Any,
        values: Mapping[str, Any] | None = None,
        names: Mapping[str, str] | None = None,
    ) -> None:
        """Make the transaction depend on ``condition`` holding for the item with ``key``."""
        expression = Expression()
        text = expression.condition(condition, values, names)
        self._add("ConditionCheck", {"Key": self._table._key(key, {}, "check")}, expression, text)

    def commit(self) -> None:
        if self._items:
            self._table._call("transaction", "transact_write_items", {"TransactItems": self._items})
            self._items = []

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()
