"""``AWS::ApiGatewayV2::Authorizer``: a JWT or Lambda (REQUEST) authorizer of an HTTP API.

It lives inside its API and is found there by name when the state has no id for it. The routes that use it
name it by id (``AuthorizerId``), so they depend on it and are updated before it is deleted.
"""

from __future__ import annotations

from typing import Any

from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, known

KEYS = (
    "AuthorizerType",
    "IdentitySource",
    "JwtConfiguration",
    "AuthorizerUri",
    "AuthorizerPayloadFormatVersion",
    "EnableSimpleResponses",
    "AuthorizerResultTtlInSeconds",
)


def _arguments(props: dict[str, JSON]) -> dict[str, Any]:
    return {"Name": props["Name"], **{key: props[key] for key in KEYS if key in props}}


class AuthorizerProvider(Provider):
    type = "AWS::ApiGatewayV2::Authorizer"
    replace_on = frozenset({"ApiId", "AuthorizerType"})

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        api = props.get("ApiId")
        if not known(api):
            return None
        listing = ctx.call_if_exists("apigatewayv2", "get_authorizers", ApiId=api)
        for item in (listing or {}).get("Items", []):
            if (physical_id and item["AuthorizerId"] == physical_id) or (
                physical_id is None
                and item.get("Name") == props.get("Name")
                and item["AuthorizerId"] not in ctx.claimed
            ):
                return Current(item["AuthorizerId"], {"Ref": item["AuthorizerId"]})
        return None

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        made = ctx.call("apigatewayv2", "create_authorizer", ApiId=props["ApiId"], **_arguments(props))
        return Current(made["AuthorizerId"], {"Ref": made["AuthorizerId"]})

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        ctx.call(
            "apigatewayv2",
            "update_authorizer",
            ApiId=new["ApiId"],
            AuthorizerId=current.physical_id,
            **_arguments(new),
        )
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        if known(props.get("ApiId")):
            ctx.call_if_exists(
                "apigatewayv2", "delete_authorizer", ApiId=props["ApiId"], AuthorizerId=physical_id
            )
