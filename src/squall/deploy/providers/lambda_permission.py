"""``AWS::Lambda::Permission``: one statement of a function's resource policy, its id = the logical id.

A permission cannot be changed in place; an update removes the statement and adds it again.
"""

from __future__ import annotations

import json
from typing import Any

from squall.deploy.errors import error_code
from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, known, not_found


class PermissionProvider(Provider):
    type = "AWS::Lambda::Permission"
    replace_on = frozenset({"FunctionName"})

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        function = props.get("FunctionName")
        if not known(function):
            return None
        try:
            policy = json.loads(ctx.call("lambda", "get_policy", FunctionName=function)["Policy"])
        except Exception as exc:
            if not_found(exc):
                return None
            raise
        sid = physical_id or logical_id
        if any(statement.get("Sid") == sid for statement in policy.get("Statement", [])):
            return Current(sid, {"Ref": sid})
        return None

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        kwargs: dict[str, Any] = {
            "FunctionName": props["FunctionName"],
            "StatementId": logical_id,
            "Action": props["Action"],
            "Principal": props["Principal"],
        }
        if props.get("SourceArn"):
            kwargs["SourceArn"] = props["SourceArn"]
        if props.get("SourceAccount"):
            kwargs["SourceAccount"] = props["SourceAccount"]
        try:
            ctx.call("lambda", "add_permission", **kwargs)
        except Exception as exc:
            if error_code(exc) != "ResourceConflictException":
                raise
            self._remove(ctx, props["FunctionName"], logical_id)
            ctx.call("lambda", "add_permission", **kwargs)
        return Current(logical_id, {"Ref": logical_id})

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        self._remove(ctx, new["FunctionName"], current.physical_id)
        return self.create(ctx, current.physical_id, None, new)

    def _remove(self, ctx: ProviderContext, function: str, sid: str) -> None:
        ctx.call_if_exists("lambda", "remove_permission", FunctionName=function, StatementId=sid)

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        if known(props.get("FunctionName")):
            self._remove(ctx, props["FunctionName"], physical_id)
