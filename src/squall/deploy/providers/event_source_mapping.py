"""``AWS::Lambda::EventSourceMapping``: a queue or a table's stream feeding a function.

AWS names a mapping itself (a UUID); without one in the state it is found by its natural key, the
function and the source ARN, among the mappings that carry the stage's tags, so a retried deploy never
makes a second one (and one made by hand is left alone).
"""

from __future__ import annotations

from typing import Any

from squall.deploy.ownership import Owner
from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, known

UPDATABLE = ("BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "Enabled")


def _current(mapping: dict[str, Any]) -> Current:
    uuid = mapping["UUID"]
    return Current(uuid, {"Ref": uuid, "Arn": mapping.get("EventSourceMappingArn", "")})


class EventSourceMappingProvider(Provider):
    type = "AWS::Lambda::EventSourceMapping"
    replace_on = frozenset({"EventSourceArn", "FunctionName", "StartingPosition"})
    taggable = True

    def _arn(self, ctx: ProviderContext, current: Current) -> str:
        return current.attributes.get("Arn") or (
            f"arn:aws:lambda:{ctx.region}:{ctx.account_id}:event-source-mapping:{current.physical_id}"
        )

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        return dict(ctx.call("lambda", "list_tags", Resource=self._arn(ctx, current))["Tags"])

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        ctx.call("lambda", "tag_resource", Resource=self._arn(ctx, current), Tags=tags)

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        if physical_id:
            mapping = ctx.call_if_exists("lambda", "get_event_source_mapping", UUID=physical_id)
            if mapping is not None:
                return _current(mapping)
        function, source = props.get("FunctionName"), props.get("EventSourceArn")
        if not known(function, source):
            return None
        listing = ctx.call_if_exists(
            "lambda", "list_event_source_mappings", FunctionName=function, EventSourceArn=source
        )
        if listing is None:
            return None
        for mapping in listing["EventSourceMappings"]:
            if mapping["UUID"] in ctx.claimed:
                continue
            current = _current(mapping)
            tags = self.read_tags(ctx, current)
            if Owner.of(tags).is_(ctx.app, ctx.stage):
                return Current(current.physical_id, current.attributes, tags=tags)
        return None

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        kwargs = {key: value for key, value in props.items() if value is not None}
        return _current(ctx.call("lambda", "create_event_source_mapping", Tags=ctx.tags, **kwargs))

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        kwargs: dict[str, Any] = {key: new[key] for key in UPDATABLE if key in new}
        if "FunctionResponseTypes" in old and "FunctionResponseTypes" not in new:
            kwargs["FunctionResponseTypes"] = []
        if "MaximumBatchingWindowInSeconds" in old and "MaximumBatchingWindowInSeconds" not in new:
            kwargs["MaximumBatchingWindowInSeconds"] = 0
        return _current(ctx.call("lambda", "update_event_source_mapping", UUID=current.physical_id, **kwargs))

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        ctx.call_if_exists("lambda", "delete_event_source_mapping", UUID=physical_id)
