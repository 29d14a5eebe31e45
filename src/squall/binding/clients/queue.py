"""``Resource.<Queue>``: send one message or many (10 per request, as SQS takes them).

A body that is not a string is sent as its JSON. On a FIFO queue, ``group_id`` is required and
``deduplication_id`` optional (content-based deduplication otherwise). ``.client`` is the raw boto3 client.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from squall.binding.clients import aws
from squall.binding.clients.base import BoundResource
from squall.binding.clients.errors import BatchFailed

SQS_BATCH = 10


def as_text(body: Any) -> str:
    return body if isinstance(body, str) else json.dumps(body, separators=(",", ":"), default=str)


class QueueClient(BoundResource):
    """One bound SQS queue."""

    @property
    def queue_name(self) -> str:
        return self._field("queue_name")

    @property
    def queue_url(self) -> str:
        return self._field("queue_url")

    @property
    def arn(self) -> str:
        return self._field("arn")

    @property
    def client(self) -> Any:
        """The boto3 SQS client."""
        return aws.client("sqs")

    def _entry(
        self, body: Any, delay_seconds: int, group_id: str | None, deduplication_id: str | None
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {"MessageBody": as_text(body)}
        if delay_seconds:
            entry["DelaySeconds"] = delay_seconds
        if group_id is not None:
            entry["MessageGroupId"] = group_id
        if deduplication_id is not None:
            entry["MessageDeduplicationId"] = deduplication_id
        return entry

    def send(
        self,
        body: Any,
        *,
        delay_seconds: int = 0,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> str:
        """Send one message; returns its id."""
        entry = self._entry(body, delay_seconds, group_id, deduplication_id)
        return str(self.client.send_message(QueueUrl=self.queue_url, **entry)["MessageId"])

    def send_batch(
        self, bodies: Iterable[Any], *, delay_seconds: int = 0, group_id: str | None = None
    ) -> list[str]:
        """Send many messages, 10 per request; returns their ids in order.

        Raises ``BatchFailed`` (with the ids of those that were sent) if SQS refused any.
        """
        entries = [self._entry(body, delay_seconds, group_id, None) for body in bodies]
        ids: list[str | None] = [None] * len(entries)
        failed: list[tuple[int, str, str]] = []
        for start in range(0, len(entries), SQS_BATCH):
            chunk = [{"Id": str(start + i), **e} for i, e in enumerate(entries[start : start + SQS_BATCH])]
            result = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=chunk)
            for ok in result.get("Successful", []):
                ids[int(ok["Id"])] = str(ok["MessageId"])
            failed += [
                (int(f["Id"]), str(f["Code"]), str(f.get("Message", ""))) for f in result.get("Failed", [])
            ]
        if failed:
            raise BatchFailed(
                f"Queue '{self._id}': {len(failed)} of {len(entries)} messages were not sent",
                failed=failed,
                ids=ids,
            )
        return [str(i) for i in ids]
