"""``AWS::Logs::LogGroup`` with its retention."""

from __future__ import annotations

from squall.deploy.errors import error_code
from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, ensure_owned


class LogGroupProvider(Provider):
    type = "AWS::Logs::LogGroup"
    replace_on = frozenset({"LogGroupName"})
    taggable = True

    def _arn(self, ctx: ProviderContext, name: str) -> str:
        return f"arn:aws:logs:{ctx.region}:{ctx.account_id}:log-group:{name}"

    def _current(self, ctx: ProviderContext, name: str) -> Current:
        return Current(name, {"Arn": f"{self._arn(ctx, name)}:*", "Ref": name})

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        name = physical_id or props["LogGroupName"]
        groups = ctx.call("logs", "describe_log_groups", logGroupNamePrefix=name)["logGroups"]
        if any(group["logGroupName"] == name for group in groups):
            return self._current(ctx, name)
        return None

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        found = ctx.call("logs", "list_tags_for_resource", resourceArn=self._arn(ctx, current.physical_id))
        return dict(found.get("tags") or {})

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        ctx.call("logs", "tag_resource", resourceArn=self._arn(ctx, current.physical_id), tags=tags)

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        name = props["LogGroupName"]
        try:
            ctx.call("logs", "create_log_group", logGroupName=name, tags=ctx.tags)
        except Exception as exc:
            if error_code(exc) != "ResourceAlreadyExistsException":
                raise
            # Made since the plan was read (a function's first run makes its group): ours only if tagged so.
            ensure_owned(self, ctx, logical_id, self._current(ctx, name))
        self._retention(ctx, name, props.get("RetentionInDays"))
        return self._current(ctx, name)

    def _retention(self, ctx: ProviderContext, name: str, days: int | None) -> None:
        if days:
            ctx.call("logs", "put_retention_policy", logGroupName=name, retentionInDays=days)
        else:
            ctx.call("logs", "delete_retention_policy", logGroupName=name)

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        self._retention(ctx, current.physical_id, new.get("RetentionInDays"))
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        ctx.call_if_exists("logs", "delete_log_group", logGroupName=physical_id)
