"""Errors the typed clients raise for outcomes a handler is expected to handle."""

from __future__ import annotations


class ConditionFailed(Exception):
    """A conditional write's condition was false (DynamoDB's ``ConditionalCheckFailedException``).

    ``table`` names the table's construct id; for a transaction, ``reasons`` has one code per operation in
    order (``"None"`` for those that did not fail), as DynamoDB reports them.
    """

    def __init__(self, message: str, *, table: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.table = table
        self.reasons = reasons or []


class BatchFailed(Exception):
    """Some entries of a batch send or publish failed: ``failed`` holds ``(index, code, message)``."""

    def __init__(self, message: str, *, failed: list[tuple[int, str, str]], ids: list[str | None]) -> None:
        super().__init__(message)
        self.failed = failed
        self.ids = ids
