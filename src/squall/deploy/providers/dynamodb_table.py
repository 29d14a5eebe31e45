"""``AWS::DynamoDB::Table`` (on-demand): keys, global indexes, stream and time to live.

Changing the key schema or the name needs a new table, which loses the data: refused unless replacements
are allowed. Indexes are added and removed in place, one at a time as DynamoDB requires, waiting for each.
"""

from __future__ import annotations

from typing import Any

from squall.deploy.errors import DeployError
from squall.deploy.ownership import as_tag_list, from_tag_list
from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, not_found


def _current(table: dict[str, Any]) -> Current:
    attributes = {"Arn": table["TableArn"], "Ref": table["TableName"]}
    if table.get("LatestStreamArn") and table.get("StreamSpecification", {}).get("StreamEnabled"):
        attributes["StreamArn"] = table["LatestStreamArn"]
    return Current(table["TableName"], attributes)


class TableProvider(Provider):
    type = "AWS::DynamoDB::Table"
    replace_on = frozenset({"TableName", "KeySchema"})
    holds_data = True
    taggable = True

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        tags: list[dict[str, str]] = []
        token: str | None = None
        while True:
            page = ctx.call(
                "dynamodb",
                "list_tags_of_resource",
                ResourceArn=current.attributes["Arn"],
                **({"NextToken": token} if token else {}),
            )
            tags += page.get("Tags", [])
            token = page.get("NextToken")
            if not token:
                return from_tag_list(tags)

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        ctx.call("dynamodb", "tag_resource", ResourceArn=current.attributes["Arn"], Tags=as_tag_list(tags))

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        try:
            return _current(self._describe(ctx, physical_id or physical_name or props["TableName"]))
        except Exception as exc:
            if not_found(exc):
                return None
            raise

    def _describe(self, ctx: ProviderContext, name: str) -> dict[str, Any]:
        table: dict[str, Any] = ctx.call("dynamodb", "describe_table", TableName=name)["Table"]
        return table

    def _wait_active(self, ctx: ProviderContext, name: str) -> dict[str, Any]:
        latest: dict[str, Any] = {}

        def active() -> bool:
            nonlocal latest
            latest = self._describe(ctx, name)
            indexes = latest.get("GlobalSecondaryIndexes", [])
            return latest["TableStatus"] == "ACTIVE" and all(
                i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in indexes
            )

        if not ctx.retrier.wait_for(active, timeout=900, interval=2.0):
            raise DeployError(f"table {name} did not become active")
        return latest

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        name = props["TableName"]
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
            "Tags": as_tag_list(ctx.tags),
        }
        if props.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("StreamSpecification"):
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        ctx.call("dynamodb", "create_table", **kwargs)
        table = self._wait_active(ctx, name)
        self._ttl(ctx, name, None, props.get("TimeToLiveSpecification"))
        return _current(table)

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        name = current.physical_id
        table = self._wait_active(ctx, name)
        definitions = new["AttributeDefinitions"]
        existing = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
        wanted = {i["IndexName"]: i for i in new.get("GlobalSecondaryIndexes", [])}
        for index in sorted(existing):
            if index not in wanted or not self._same_index(existing[index], wanted[index]):
                ctx.call(
                    "dynamodb",
                    "update_table",
                    TableName=name,
                    GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": index}}],
                )
                table = self._wait_active(ctx, name)
        existing = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
        for index in sorted(wanted):
            if index not in existing:
                ctx.call(
                    "dynamodb",
                    "update_table",
                    TableName=name,
                    AttributeDefinitions=definitions,
                    GlobalSecondaryIndexUpdates=[{"Create": wanted[index]}],
                )
                table = self._wait_active(ctx, name)
        stream = table.get("StreamSpecification") or {}
        current_view = stream.get("StreamViewType") if stream.get("StreamEnabled") else None
        wanted_view = (new.get("StreamSpecification") or {}).get("StreamViewType")
        if current_view != wanted_view:
            if current_view is not None:
                ctx.call(
                    "dynamodb", "update_table", TableName=name, StreamSpecification={"StreamEnabled": False}
                )
                table = self._wait_active(ctx, name)
            if wanted_view is not None:
                ctx.call(
                    "dynamodb",
                    "update_table",
                    TableName=name,
                    StreamSpecification={"StreamEnabled": True, "StreamViewType": wanted_view},
                )
                table = self._wait_active(ctx, name)
        if old.get("TimeToLiveSpecification") != new.get("TimeToLiveSpecification") or not old:
            self._ttl(
                ctx,
                name,
                old.get("TimeToLiveSpecification") if old else "unknown",
                new.get("TimeToLiveSpecification"),
            )
        return _current(table)

    def _same_index(self, existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
        projection = dict(existing.get("Projection", {}))
        if "NonKeyAttributes" in projection:
            projection["NonKeyAttributes"] = sorted(projection["NonKeyAttributes"])
        return bool(existing.get("KeySchema") == wanted["KeySchema"] and projection == wanted["Projection"])

    def _ttl(self, ctx: ProviderContext, name: str, old: object, new: dict[str, Any] | None) -> None:
        if new:
            ctx.call(
                "dynamodb",
                "update_time_to_live",
                TableName=name,
                TimeToLiveSpecification={"AttributeName": new["AttributeName"], "Enabled": True},
            )
        elif isinstance(old, dict):
            ctx.call(
                "dynamodb",
                "update_time_to_live",
                TableName=name,
                TimeToLiveSpecification={"AttributeName": old["AttributeName"], "Enabled": False},
            )

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        if ctx.call_if_exists("dynamodb", "delete_table", TableName=physical_id) is None:
            return  # already gone

        def gone() -> bool:
            try:
                self._describe(ctx, physical_id)
            except Exception as exc:
                if not_found(exc):
                    return True
                raise
            return False

        ctx.retrier.wait_for(gone, timeout=300, interval=2.0)
