"""``AWS::Cognito::UserPool`` and ``AWS::Cognito::UserPoolClient``.

A pool holds its users, so replacing it (a change of what users sign in with, which Cognito cannot change in
place) is refused unless the deploy allows replacements. Pool names need not be unique: a pool without an id
in the state is looked for only among those that carry the stage's tags. A client lives in its pool and is
found there by name when the state has no id for it.
"""

from __future__ import annotations

from typing import Any

from squall.deploy.ownership import Owner
from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, known

POOL_KEYS = ("UsernameAttributes", "AliasAttributes", "AutoVerifiedAttributes", "LambdaConfig")
UPDATABLE_POOL_KEYS = ("AutoVerifiedAttributes", "LambdaConfig")
CLIENT_KEYS = ("ExplicitAuthFlows", "GenerateSecret")


def _pool_current(ctx: ProviderContext, pool: dict[str, Any]) -> Current:
    pool_id = pool["Id"]
    provider_name = f"cognito-idp.{ctx.region}.amazonaws.com/{pool_id}"
    return Current(
        pool_id,
        {
            "Ref": pool_id,
            "Arn": pool.get("Arn") or f"arn:aws:cognito-idp:{ctx.region}:{ctx.account_id}:userpool/{pool_id}",
            "ProviderName": provider_name,
            "ProviderURL": f"https://{provider_name}",
        },
        tags=dict(pool.get("UserPoolTags") or {}),
    )


class UserPoolProvider(Provider):
    type = "AWS::Cognito::UserPool"
    replace_on = frozenset({"UsernameAttributes", "AliasAttributes"})
    holds_data = True
    taggable = True

    def _describe(self, ctx: ProviderContext, pool_id: str) -> dict[str, Any] | None:
        found = ctx.call_if_exists("cognito-idp", "describe_user_pool", UserPoolId=pool_id)
        return None if found is None else dict(found["UserPool"])

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        pool = self._describe(ctx, current.physical_id) or {}
        return dict(pool.get("UserPoolTags") or {})

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        ctx.call("cognito-idp", "tag_resource", ResourceArn=current.attributes["Arn"], Tags=tags)

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        if physical_id:
            pool = self._describe(ctx, physical_id)
            if pool is not None:
                return _pool_current(ctx, pool)
        name = props.get("UserPoolName") or physical_name
        token: str | None = None
        while True:
            page = ctx.call(
                "cognito-idp", "list_user_pools", MaxResults=60, **({"NextToken": token} if token else {})
            )
            for summary in page.get("UserPools", []):
                if summary.get("Name") != name or summary["Id"] in ctx.claimed:
                    continue
                pool = self._describe(ctx, summary["Id"])
                if pool is not None and Owner.of(pool.get("UserPoolTags") or {}).is_(ctx.app, ctx.stage):
                    return _pool_current(ctx, pool)
            token = page.get("NextToken")
            if not token:
                return None

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        kwargs = {key: props[key] for key in POOL_KEYS if props.get(key)}
        made = ctx.call(
            "cognito-idp", "create_user_pool", PoolName=props["UserPoolName"], UserPoolTags=ctx.tags, **kwargs
        )
        return _pool_current(ctx, made["UserPool"])

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        # UpdateUserPool resets what it is not given: send every setting it takes, empty ones included.
        ctx.call(
            "cognito-idp",
            "update_user_pool",
            UserPoolId=current.physical_id,
            AutoVerifiedAttributes=new.get("AutoVerifiedAttributes") or [],
            LambdaConfig=new.get("LambdaConfig") or {},
        )
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        ctx.call_if_exists("cognito-idp", "delete_user_pool", UserPoolId=physical_id)


class UserPoolClientProvider(Provider):
    type = "AWS::Cognito::UserPoolClient"
    replace_on = frozenset({"UserPoolId", "GenerateSecret"})

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        pool = props.get("UserPoolId")
        if not known(pool):
            return None
        if physical_id:
            found = ctx.call_if_exists(
                "cognito-idp", "describe_user_pool_client", UserPoolId=pool, ClientId=physical_id
            )
            return None if found is None else Current(physical_id, {"Ref": physical_id})
        listing = ctx.call_if_exists("cognito-idp", "list_user_pool_clients", UserPoolId=pool, MaxResults=60)
        for client in (listing or {}).get("UserPoolClients", []):
            if client.get("ClientName") == props.get("ClientName") and client["ClientId"] not in ctx.claimed:
                return Current(client["ClientId"], {"Ref": client["ClientId"]})
        return None

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        kwargs = {key: props[key] for key in CLIENT_KEYS if key in props}
        made = ctx.call(
            "cognito-idp",
            "create_user_pool_client",
            UserPoolId=props["UserPoolId"],
            ClientName=props["ClientName"],
            **kwargs,
        )
        client_id = made["UserPoolClient"]["ClientId"]
        return Current(client_id, {"Ref": client_id})

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        ctx.call(
            "cognito-idp",
            "update_user_pool_client",
            UserPoolId=new["UserPoolId"],
            ClientId=current.physical_id,
            ClientName=new["ClientName"],
            ExplicitAuthFlows=new.get("ExplicitAuthFlows") or [],
        )
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        if known(props.get("UserPoolId")):
            ctx.call_if_exists(
                "cognito-idp", "delete_user_pool_client", UserPoolId=props["UserPoolId"], ClientId=physical_id
            )
