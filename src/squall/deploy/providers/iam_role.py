"""``AWS::IAM::Role`` with inline policies (the function's permissions).

``IamMode`` (the app's ``iam`` setting when it is not ``enforce``) is kept as the role's ``squall:iam`` tag,
which is where the local cloud's IAM check reads it; AWS ignores it.
"""

from __future__ import annotations

import json
from typing import Any

from squall.deploy.ownership import as_tag_list, from_tag_list
from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, not_found

MODE_TAG = "squall:iam"


def _mode_tag(props: dict[str, JSON]) -> dict[str, str]:
    mode = props.get("IamMode")
    return {MODE_TAG: str(mode)} if mode else {}


def _current(role: dict[str, Any]) -> Current:
    return Current(
        role["RoleName"],
        {"Arn": role["Arn"], "Ref": role["RoleName"], "RoleId": role["RoleId"]},
        tags=from_tag_list(role.get("Tags")),
    )


class RoleProvider(Provider):
    type = "AWS::IAM::Role"
    replace_on = frozenset({"RoleName", "Path"})
    taggable = True

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        tags = ctx.call("iam", "list_role_tags", RoleName=current.physical_id)["Tags"]
        return from_tag_list(tags)

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        ctx.call("iam", "tag_role", RoleName=current.physical_id, Tags=as_tag_list(tags))

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        found = ctx.call_if_exists("iam", "get_role", RoleName=physical_id or physical_name)
        return _current(found["Role"]) if found is not None else None

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        assert physical_name
        role = ctx.call(
            "iam",
            "create_role",
            RoleName=physical_name,
            AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"]),
            Description=f"squall: {logical_id}",
            Tags=as_tag_list({**ctx.tags, **_mode_tag(props)}),
        )["Role"]
        self._put_policies(ctx, physical_name, [], props.get("Policies", []))
        return _current(role)

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        name = current.physical_id
        if old.get("AssumeRolePolicyDocument") != new["AssumeRolePolicyDocument"]:
            ctx.call(
                "iam",
                "update_assume_role_policy",
                RoleName=name,
                PolicyDocument=json.dumps(new["AssumeRolePolicyDocument"]),
            )
        self._put_policies(ctx, name, old.get("Policies"), new.get("Policies", []))
        if old.get("IamMode") != new.get("IamMode"):
            if "IamMode" in new:
                ctx.call("iam", "tag_role", RoleName=name, Tags=as_tag_list(_mode_tag(new)))
            else:
                ctx.call("iam", "untag_role", RoleName=name, TagKeys=[MODE_TAG])
        return current

    def _put_policies(self, ctx: ProviderContext, name: str, old: list[JSON] | None, new: list[JSON]) -> None:
        """Write changed inline policies and drop the ones no longer wanted (``old`` None: unknown)."""
        wanted = {p["PolicyName"]: p["PolicyDocument"] for p in new}
        if old is None:
            existing = set(ctx.call("iam", "list_role_policies", RoleName=name)["PolicyNames"])
            previous: dict[str, JSON] = {}
        else:
            previous = {p["PolicyName"]: p["PolicyDocument"] for p in old}
            existing = set(previous)
        for policy, document in wanted.items():
            if previous.get(policy) != document:
                ctx.call(
                    "iam",
                    "put_role_policy",
                    RoleName=name,
                    PolicyName=policy,
                    PolicyDocument=json.dumps(document),
                )
        for policy in sorted(existing - set(wanted)):
            ctx.call("iam", "delete_role_policy", RoleName=name, PolicyName=policy)

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        try:
            for policy in ctx.call("iam", "list_role_policies", RoleName=physical_id)["PolicyNames"]:
                ctx.call("iam", "delete_role_policy", RoleName=physical_id, PolicyName=policy)
            attached = ctx.call("iam", "list_attached_role_policies", RoleName=physical_id)
            for policy in attached["AttachedPolicies"]:
                ctx.call("iam", "detach_role_policy", RoleName=physical_id, PolicyArn=policy["PolicyArn"])
            ctx.call("iam", "delete_role", RoleName=physical_id)
        except Exception as exc:
            if not not_found(exc):
                raise
