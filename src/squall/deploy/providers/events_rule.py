"""``AWS::Events::Rule``: a schedule (or pattern) rule and its targets."""

from __future__ import annotations

import json
from typing import Any

from squall.deploy.ownership import as_tag_list, from_tag_list
from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, not_found


class RuleProvider(Provider):
    type = "AWS::Events::Rule"
    replace_on = frozenset({"Name", "EventBusName"})
    taggable = True

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        found = ctx.call("events", "list_tags_for_resource", ResourceARN=current.attributes["Arn"])
        return from_tag_list(found.get("Tags"))

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        ctx.call("events", "tag_resource", ResourceARN=current.attributes["Arn"], Tags=as_tag_list(tags))

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        rule = ctx.call_if_exists(
            "events", "describe_rule", Name=physical_id or props.get("Name") or physical_name
        )
        if rule is None:
            return None
        return Current(rule["Name"], {"Arn": rule["Arn"], "Ref": rule["Name"]})

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        return self._put(ctx, props, previous_targets=None, tags=ctx.tags)

    def _put(
        self,
        ctx: ProviderContext,
        props: dict[str, JSON],
        previous_targets: list[JSON] | None,
        tags: dict[str, str] | None = None,
    ) -> Current:
        name = props["Name"]
        kwargs: dict[str, Any] = {"Name": name, "State": props.get("State", "ENABLED")}
        if tags:
            kwargs["Tags"] = as_tag_list(tags)
        if props.get("ScheduleExpression"):
            kwargs["ScheduleExpression"] = props["ScheduleExpression"]
        if props.get("EventPattern"):
            kwargs["EventPattern"] = json.dumps(props["EventPattern"])
        if props.get("Description"):
            kwargs["Description"] = props["Description"]
        arn = ctx.call("events", "put_rule", **kwargs)["RuleArn"]
        targets = props.get("Targets", [])
        if previous_targets is None:
            listed = ctx.call("events", "list_targets_by_rule", Rule=name)["Targets"]
            previous_ids = {t["Id"] for t in listed}
        else:
            previous_ids = {t["Id"] for t in previous_targets}
        stale = sorted(previous_ids - {t["Id"] for t in targets})
        if stale:
            ctx.call("events", "remove_targets", Rule=name, Ids=stale)
        if targets:
            ctx.call("events", "put_targets", Rule=name, Targets=targets)
        return Current(name, {"Arn": arn, "Ref": name})

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        return self._put(ctx, new, old.get("Targets") if old else None)

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        try:
            targets = ctx.call("events", "list_targets_by_rule", Rule=physical_id)["Targets"]
            if targets:
                ctx.call("events", "remove_targets", Rule=physical_id, Ids=[t["Id"] for t in targets])
            ctx.call("events", "delete_rule", Name=physical_id)
        except Exception as exc:
            if not not_found(exc):
                raise
