"""``Resource.<Topic>``: publish a message (a non-string message is published as its JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from squall.binding.clients import aws
from squall.binding.clients.base import BoundResource
from squall.binding.clients.queue import as_text


class TopicClient(BoundResource):
    """One bound SNS topic."""

    @property
    def topic_name(self) -> str:
        return self._field("topic_name")

    @property
    def topic_arn(self) -> str:
        return self._field("topic_arn")

    @property
    def client(self) -> Any:
        """The boto3 SNS client."""
        return aws.client("sns")

    def publish(
        self,
        message: Any,
        *,
        subject: str | None = None,
        attributes: Mapping[str, str] | None = None,
        group_id: str | None = None,
    ) -> str:
        """Publish ``message`` to every subscriber; ``attributes`` are what filter policies match."""
        params: dict[str, Any] = {"TopicArn": self.topic_arn, "Message": as_text(message)}
        if subject is not None:
            params["Subject"] = subject
        if attributes:
            params["MessageAttributes"] = {
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
            }
        if group_id is not None:
            params["MessageGroupId"] = group_id
        return str(self.client.publish(**params)["MessageId"])
