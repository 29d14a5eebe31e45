"""``AWS::SNS::Topic`` and ``AWS::SNS::Subscription`` (a function or a queue, with a filter policy).

A subscription's ARN is made by SNS; without one in the state it is found on its topic by protocol and
endpoint, so a retried deploy never subscribes twice.
"""

from __future__ import annotations

import json
from typing import Any

from squall.deploy.ownership import as_tag_list, from_tag_list
from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, not_found


class TopicProvider(Provider):
    type = "AWS::SNS::Topic"
    replace_on = frozenset({"TopicName", "FifoTopic"})
    taggable = True

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        found = ctx.call("sns", "list_tags_for_resource", ResourceArn=current.physical_id)
        return from_tag_list(found.get("Tags"))

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        ctx.call("sns", "tag_resource", ResourceArn=current.physical_id, Tags=as_tag_list(tags))

    def _arn(self, ctx: ProviderContext, name: str) -> str:
        return f"arn:aws:sns:{ctx.region}:{ctx.account_id}:{name}"

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        arn = physical_id or self._arn(ctx, props.get("TopicName") or str(physical_name))
        try:
            ctx.call("sns", "get_topic_attributes", TopicArn=arn)
        except Exception as exc:
            if not_found(exc):
                return None
            raise
        return Current(arn, {"Ref": arn, "TopicArn": arn, "TopicName": arn.rsplit(":", 1)[-1]})

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        arn = ctx.call("sns", "create_topic", Name=props["TopicName"], Tags=as_tag_list(ctx.tags))["TopicArn"]
        return Current(arn, {"Ref": arn, "TopicArn": arn, "TopicName": props["TopicName"]})

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        ctx.call_if_exists("sns", "delete_topic", TopicArn=physical_id)


class SubscriptionProvider(Provider):
    type = "AWS::SNS::Subscription"
    replace_on = frozenset({"TopicArn", "Protocol", "Endpoint"})

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        topic = props.get("TopicArn")
        if not isinstance(topic, str):
            return None
        try:
            found = self._list(ctx, topic)
        except Exception as exc:
            if not_found(exc):
                return None
            raise
        for item in found:
            arn = item["SubscriptionArn"]
            if (physical_id and arn == physical_id) or (
                physical_id is None
                and item["Protocol"] == props.get("Protocol")
                and item["Endpoint"] == props.get("Endpoint")
                and arn not in ctx.claimed
            ):
                return Current(arn, {"Ref": arn})
        return None

    def _list(self, ctx: ProviderContext, topic: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = ctx.call(
                "sns",
                "list_subscriptions_by_topic",
                TopicArn=topic,
                **({"NextToken": token} if token else {}),
            )
            items.extend(page.get("Subscriptions", []))
            token = page.get("NextToken")
            if not token:
                return items

    def _attributes(self, props: dict[str, JSON]) -> dict[str, str]:
        attributes = {"RawMessageDelivery": str(bool(props.get("RawMessageDelivery", False))).lower()}
        if props.get("FilterPolicy"):
            attributes["FilterPolicy"] = json.dumps(props["FilterPolicy"])
        return attributes

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        arn = ctx.call(
            "sns",
            "subscribe",
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=self._attributes(props),
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return Current(arn, {"Ref": arn})

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        attributes = self._attributes(new)
        if "FilterPolicy" not in attributes and old.get("FilterPolicy"):
            attributes["FilterPolicy"] = "{}"
        for name, value in attributes.items():
            ctx.call(
                "sns",
                "set_subscription_attributes",
                SubscriptionArn=current.physical_id,
                AttributeName=name,
                AttributeValue=value,
            )
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        ctx.call_if_exists("sns", "unsubscribe", SubscriptionArn=physical_id)
