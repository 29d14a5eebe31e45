"""API Gateway v2 (HTTP APIs): ``Api`` (+ CORS), ``Stage``, ``Integration`` and ``Route``.

Everything but the API lives inside an API and is found there by its natural key when the state has no
id for it (a deploy killed between a create and its record): the stage by name, a route by its route key,
an integration by its target function (unless another resource already claims that integration).

API names need not be unique, so an API without an id in the state is looked for only among those that
carry the stage's tags: another stage's (or app's) API of the same name is none of its business. The stage is
created with the tags too; routes and integrations cannot be tagged and belong to their API.
"""

from __future__ import annotations

from typing import Any

from squall.deploy.ownership import Owner
from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, known

ROUTE_AUTHORIZATION_KEYS = ("AuthorizationType", "AuthorizerId", "AuthorizationScopes")
INTEGRATION_KEYS = (
    "IntegrationType",
    "IntegrationUri",
    "PayloadFormatVersion",
    "TimeoutInMillis",
    "IntegrationMethod",
)


def _api_current(api: dict[str, Any]) -> Current:
    return Current(
        api["ApiId"],
        {"Ref": api["ApiId"], "ApiId": api["ApiId"], "ApiEndpoint": api.get("ApiEndpoint", "")},
        tags=dict(api.get("Tags") or {}),
    )


class ApiProvider(Provider):
    type = "AWS::ApiGatewayV2::Api"
    replace_on = frozenset({"ProtocolType"})
    taggable = True

    def _arn(self, ctx: ProviderContext, api_id: str) -> str:
        return f"arn:aws:apigateway:{ctx.region}::/apis/{api_id}"

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        return dict(ctx.call("apigatewayv2", "get_api", ApiId=current.physical_id).get("Tags") or {})

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        ctx.call("apigatewayv2", "tag_resource", ResourceArn=self._arn(ctx, current.physical_id), Tags=tags)

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        if physical_id:
            found = ctx.call_if_exists("apigatewayv2", "get_api", ApiId=physical_id)
            if found is not None:
                return _api_current(found)
        name = props.get("Name") or physical_name
        apis = self._all(ctx)
        matches = [
            api
            for api in apis
            if api.get("Name") == name
            and api["ApiId"] not in ctx.claimed
            and Owner.of(api.get("Tags") or {}).is_(ctx.app, ctx.stage)
        ]
        return _api_current(matches[0]) if matches else None

    def _all(self, ctx: ProviderContext) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = ctx.call("apigatewayv2", "get_apis", **({"NextToken": token} if token else {}))
            items.extend(page.get("Items", []))
            token = page.get("NextToken")
            if not token:
                return items

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        kwargs: dict[str, Any] = {
            "Name": props["Name"],
            "ProtocolType": props.get("ProtocolType", "HTTP"),
            "Tags": ctx.tags,
        }
        if props.get("CorsConfiguration"):
            kwargs["CorsConfiguration"] = props["CorsConfiguration"]
        return _api_current(ctx.call("apigatewayv2", "create_api", **kwargs))

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        kwargs: dict[str, Any] = {"ApiId": current.physical_id, "Name": new["Name"]}
        if new.get("CorsConfiguration"):
            kwargs["CorsConfiguration"] = new["CorsConfiguration"]
        api = ctx.call("apigatewayv2", "update_api", **kwargs)
        if not new.get("CorsConfiguration") and old.get("CorsConfiguration") != new.get("CorsConfiguration"):
            ctx.call_if_exists("apigatewayv2", "delete_cors_configuration", ApiId=current.physical_id)
        return _api_current(api) if "ApiId" in api else current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        ctx.call_if_exists("apigatewayv2", "delete_api", ApiId=physical_id)


class StageProvider(Provider):
    type = "AWS::ApiGatewayV2::Stage"
    replace_on = frozenset({"ApiId", "StageName"})

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        api, name = props.get("ApiId"), props.get("StageName")
        if not isinstance(api, str) or not isinstance(name, str):
            return None
        if ctx.call_if_exists("apigatewayv2", "get_stage", ApiId=api, StageName=name) is None:
            return None
        return Current(name, {"Ref": name})

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        ctx.call(
            "apigatewayv2",
            "create_stage",
            ApiId=props["ApiId"],
            StageName=props["StageName"],
            AutoDeploy=bool(props.get("AutoDeploy", False)),
            Tags=ctx.tags,
        )
        return Current(props["StageName"], {"Ref": props["StageName"]})

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        ctx.call(
            "apigatewayv2",
            "update_stage",
            ApiId=new["ApiId"],
            StageName=new["StageName"],
            AutoDeploy=bool(new.get("AutoDeploy", False)),
        )
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        if not known(props.get("ApiId")):
            return
        ctx.call_if_exists("apigatewayv2", "delete_stage", ApiId=props["ApiId"], StageName=physical_id)


def _api_children(
    ctx: ProviderContext, props: dict[str, JSON], operation: str
) -> list[dict[str, Any]] | None:
    """The API's integrations or routes (``operation``); None when the API is not known yet or is gone."""
    api = props.get("ApiId")
    if not known(api):
        return None
    listing = ctx.call_if_exists("apigatewayv2", operation, ApiId=api)
    return None if listing is None else list(listing.get("Items", []))


class IntegrationProvider(Provider):
    type = "AWS::ApiGatewayV2::Integration"
    replace_on = frozenset({"ApiId"})

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        items = _api_children(ctx, props, "get_integrations")
        if items is None:
            return None
        for item in items:
            if physical_id and item["IntegrationId"] == physical_id:
                return Current(physical_id, {"Ref": physical_id})
        if physical_id is None and known(props.get("IntegrationUri")):
            for item in items:
                if (
                    item.get("IntegrationUri") == props["IntegrationUri"]
                    and item["IntegrationId"] not in ctx.claimed
                ):
                    return Current(item["IntegrationId"], {"Ref": item["IntegrationId"]})
        return None

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        kwargs = {key: props[key] for key in INTEGRATION_KEYS if key in props}
        made = ctx.call("apigatewayv2", "create_integration", ApiId=props["ApiId"], **kwargs)
        return Current(made["IntegrationId"], {"Ref": made["IntegrationId"]})

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        kwargs = {key: new[key] for key in INTEGRATION_KEYS if key in new}
        ctx.call(
            "apigatewayv2",
            "update_integration",
            ApiId=new["ApiId"],
            IntegrationId=current.physical_id,
            **kwargs,
        )
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        if not known(props.get("ApiId")):
            return
        ctx.call_if_exists(
            "apigatewayv2", "delete_integration", ApiId=props["ApiId"], IntegrationId=physical_id
        )


class RouteProvider(Provider):
    type = "AWS::ApiGatewayV2::Route"
    replace_on = frozenset({"ApiId"})

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        items = _api_children(ctx, props, "get_routes")
        if items is None:
            return None
        for item in items:
            if (physical_id and item["RouteId"] == physical_id) or (
                physical_id is None and item["RouteKey"] == props.get("RouteKey")
            ):
                return Current(item["RouteId"], {"Ref": item["RouteId"]})
        return None

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        made = ctx.call(
            "apigatewayv2",
            "create_route",
            ApiId=props["ApiId"],
            RouteKey=props["RouteKey"],
            Target=props["Target"],
            **{key: props[key] for key in ROUTE_AUTHORIZATION_KEYS if key in props},
        )
        return Current(made["RouteId"], {"Ref": made["RouteId"]})

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        # A route that no longer names an authorizer is public again: say so, UpdateRoute keeps what it
        # is not given.
        authorization = {
            "AuthorizationType": new.get("AuthorizationType", "NONE"),
            "AuthorizationScopes": new.get("AuthorizationScopes", []),
            **({"AuthorizerId": new["AuthorizerId"]} if "AuthorizerId" in new else {}),
        }
        ctx.call(
            "apigatewayv2",
            "update_route",
            ApiId=new["ApiId"],
            RouteId=current.physical_id,
            RouteKey=new["RouteKey"],
            Target=new["Target"],
            **authorization,
        )
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        if not known(props.get("ApiId")):
            return
        ctx.call_if_exists("apigatewayv2", "delete_route", ApiId=props["ApiId"], RouteId=physical_id)
