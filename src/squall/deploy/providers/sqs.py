"""``AWS::SQS::Queue`` (attributes, redrive to a dead-letter queue) and ``AWS::SQS::QueuePolicy``."""

from __future__ import annotations

import json
from typing import Any

from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, known, not_found

ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
    "FifoQueue",
    "ContentBasedDeduplication",
)
MISSING = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


def queue_attributes(props: dict[str, JSON], *, creating: bool) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for key in ATTRIBUTES:
        if key in props and (creating or key not in ("FifoQueue",)):
            value = props[key]
            attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
    redrive = props.get("RedrivePolicy")
    attributes["RedrivePolicy"] = json.dumps(redrive) if redrive else ""
    if creating and not redrive:
        del attributes["RedrivePolicy"]
    return attributes


class QueueProvider(Provider):
    type = "AWS::SQS::Queue"
    replace_on = frozenset({"QueueName", "FifoQueue"})
    taggable = True

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        return dict(ctx.call("sqs", "list_queue_tags", QueueUrl=current.physical_id).get("Tags") or {})

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        ctx.call("sqs", "tag_queue", QueueUrl=current.physical_id, Tags=tags)

    def _current(self, ctx: ProviderContext, url: str) -> Current:
        arn = ctx.call("sqs", "get_queue_attributes", QueueUrl=url, AttributeNames=["QueueArn"])
        arn_value = arn["Attributes"]["QueueArn"]
        name = arn_value.rsplit(":", 1)[-1]
        return Current(url, {"Ref": url, "QueueUrl": url, "Arn": arn_value, "QueueName": name})

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        try:
            url = ctx.call("sqs", "get_queue_url", QueueName=props.get("QueueName") or physical_name)[
                "QueueUrl"
            ]
            return self._current(ctx, url)
        except Exception as exc:
            if not_found(exc, *MISSING):
                return None
            raise

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        url = ctx.call(
            "sqs",
            "create_queue",
            QueueName=props["QueueName"],
            Attributes=queue_attributes(props, creating=True),
            tags=ctx.tags,
        )["QueueUrl"]
        return self._current(ctx, url)

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        attributes = queue_attributes(new, creating=False)
        for key in ATTRIBUTES:
            if key in old and key not in new and key != "FifoQueue":
                attributes[key] = {"VisibilityTimeout": "30", "MessageRetentionPeriod": "345600"}.get(
                    key, "0"
                )
        ctx.call("sqs", "set_queue_attributes", QueueUrl=current.physical_id, Attributes=attributes)
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        try:
            ctx.call("sqs", "delete_queue", QueueUrl=physical_id)
        except Exception as exc:
            if not not_found(exc, *MISSING):
                raise


class QueuePolicyProvider(Provider):
    """The policy is an attribute of each queue; its physical id is the logical id."""

    type = "AWS::SQS::QueuePolicy"

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        if not known(props.get("Queues")):
            return None
        for url in props["Queues"]:
            try:
                found = ctx.call("sqs", "get_queue_attributes", QueueUrl=url, AttributeNames=["Policy"])
            except Exception as exc:
                if not_found(exc, *MISSING):
                    return None
                raise
            if not found.get("Attributes", {}).get("Policy"):
                return None
        return Current(logical_id, {"Ref": logical_id})

    def _put(self, ctx: ProviderContext, urls: list[str], policy: str) -> None:
        for url in urls:
            try:
                ctx.call("sqs", "set_queue_attributes", QueueUrl=url, Attributes={"Policy": policy})
            except Exception as exc:
                if not (policy == "" and not_found(exc, *MISSING)):
                    raise

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        self._put(ctx, props["Queues"], json.dumps(props["PolicyDocument"]))
        return Current(logical_id, {"Ref": logical_id})

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        dropped = [url for url in old.get("Queues", []) if url not in new["Queues"]]
        self._put(ctx, dropped, "")
        return self.create(ctx, current.physical_id, None, new)

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        queues: Any = props.get("Queues")
        if known(queues):
            self._put(ctx, list(queues), "")
