"""Who may call a route of an HTTP API: the route's authorizer, read from the API, and its verdict.

``route_authorizations`` reads what the API says (each route's ``AuthorizationType``, ``AuthorizerId`` and
``AuthorizationScopes``, each authorizer's configuration); ``Authorization.check`` runs the route's
authorizer for one request, before its function: a JWT authorizer (``jwt_authorizer``) or a Lambda one
(``lambda_authorizer``). A route with no authorizer (``NONE``) is public.

The local cloud's own Cognito issues tokens whose issuer is ``https://cognito-idp.REGION.amazonaws.com/POOL``,
as AWS's does; for such an issuer whose pool lives in the local cloud, the keys are the local cloud's own
(moto's pool keys, served at ``/POOL/.well-known/jwks.json``), so no request leaves the machine.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from squall.cloud.plugins import CloudContext, CloudRequest
from squall.host.functions import ACCOUNT_ID
from squall.host.jwt_authorizer import HttpJwks, JwksSource, JwtAuthorizerConfig, Verdict, check_jwt
from squall.host.lambda_authorizer import Invoke, LambdaAuthorizerConfig, LambdaAuthorizers

if TYPE_CHECKING:
    from squall.host.functions import FunctionHost
    from squall.runtime.apigw import HttpRequest

_LOCAL_ISSUER = re.compile(r"^https://cognito-idp\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<pool>[\w-]+)$")


@dataclass(frozen=True)
class RouteAuthorization:
    authorizer: JwtAuthorizerConfig | LambdaAuthorizerConfig
    scopes: tuple[str, ...] = ()


def route_authorizations(api: Any) -> dict[str, RouteAuthorization]:
    """route key → its authorizer, for the routes of ``api`` (moto's model) that have one."""
    made: dict[str, RouteAuthorization] = {}
    for route in api.routes.values():
        kind = str(route.authorization_type or "NONE").upper()
        authorizer = api.authorizers.get(route.authorizer_id or "")
        if kind == "NONE" or authorizer is None:
            continue
        config = _authorizer_config(authorizer)
        if config is not None:
            made[route.route_key] = RouteAuthorization(config, tuple(route.authorization_scopes or ()))
    return made


def _authorizer_config(authorizer: Any) -> JwtAuthorizerConfig | LambdaAuthorizerConfig | None:
    sources = authorizer.identity_source or ["$request.header.Authorization"]
    sources = [sources] if isinstance(sources, str) else list(sources)
    if str(authorizer.authorizer_type).upper() == "JWT":
        jwt = authorizer.jwt_config or {}
        audience = jwt.get("audience", jwt.get("Audience")) or []
        return JwtAuthorizerConfig(
            authorizer.id,
            authorizer.name,
            sources[0],
            str(jwt.get("issuer", jwt.get("Issuer", ""))),
            tuple(str(a) for a in audience),
        )
    if str(authorizer.authorizer_type).upper() == "REQUEST":
        uri = str(authorizer.authorizer_uri or "")
        function = (
            uri.split("/functions/", 1)[1].removesuffix("/invocations") if "/functions/" in uri else uri
        )
        return LambdaAuthorizerConfig(
            authorizer.id,
            authorizer.name,
            function,
            tuple(sources),
            bool(authorizer.enable_simple_response),
            int(authorizer.auth_result_ttl or 0),
        )
    return None


class LocalJwks:
    """Keys of the local cloud's own user pools; any other issuer's through ``fallback``."""

    def __init__(self, ctx: CloudContext, fallback: JwksSource) -> None:
        self._ctx = ctx
        self._fallback = fallback
        self._documents: dict[str, Mapping[str, Any]] = {}
        """pool id → its JWKS (a pool's keys never change; whether the pool still exists is asked each time)."""

    def keys(self, issuer: str, *, refresh: bool = False) -> Mapping[str, Any] | None:
        match = _LOCAL_ISSUER.match(issuer)
        if match is not None:
            region, pool = match.group("region"), match.group("pool")
            with self._ctx.locked():
                known = pool in self._ctx.backend("cognitoidp", region, ACCOUNT_ID).user_pools
            if not known:
                return self._fallback.keys(issuer, refresh=refresh)
            cached = self._documents.get(pool)
            if cached is None:
                path = f"/{pool}/.well-known/jwks.json"
                response = self._ctx.call(CloudRequest("cognitoidp", None, "GET", path, "", {}, b"", region))
                if response.status != 200:
                    return None
                cached = self._documents[pool] = dict(json.loads(response.body))
            return cached
        return self._fallback.keys(issuer, refresh=refresh)


@dataclass
class Authorization:
    """Runs the authorizer of a route for one request (on a worker thread: it may fetch keys or invoke)."""

    jwks: JwksSource
    invoke: Invoke
    clock: Callable[[], float] = time.time
    host: FunctionHost | None = None
    executor: Executor | None = None
    lambdas: LambdaAuthorizers = field(init=False)

    def __post_init__(self) -> None:
        self.lambdas = LambdaAuthorizers(self.invoke, time.monotonic)

    @classmethod
    def for_cloud(cls, ctx: CloudContext, host: FunctionHost, executor: Executor) -> Authorization:
        def invoke(function: str, event: dict[str, Any]) -> tuple[Any, str | None]:
            parts = function.split(":")
            result = host.invoke(function, parts[3] if len(parts) > 4 else "us-east-1", event)
            return result.payload, result.error_type

        return cls(LocalJwks(ctx, HttpJwks()), invoke, host=host, executor=executor)

    async def admit(
        self,
        route: RouteAuthorization,
        where: tuple[str, str, str],
        request: HttpRequest,
        event: dict[str, Any],
        request_id: str,
    ) -> int:
        """200 with the authorizer's context put in ``event``, or the refusal's status (recorded, with why).

        ``where`` is the API's region, its id and the route's function.
        """
        region, api_id, function = where
        arn = route_arn(region, api_id, "$default", request.method, request.raw_path)
        loop = asyncio.get_running_loop()
        verdict = await loop.run_in_executor(self.executor, self.check, route, event, arn)
        if verdict.allowed:
            event["requestContext"]["authorizer"] = verdict.context
            return 200
        if self.host is not None:
            reason = f"{route.authorizer.name}: {verdict.reason}"
            self.host.record_refusal(function, region, event, request_id, verdict.status, reason)
        return verdict.status

    def check(self, route: RouteAuthorization, event: Mapping[str, Any], route_arn: str) -> Verdict:
        config = route.authorizer
        if isinstance(config, JwtAuthorizerConfig):
            header = config.identity_source.removeprefix("$request.header.").lower()
            value = (event.get("headers") or {}).get(header)
            return check_jwt(config, value, route.scopes, self.jwks, self.clock())
        return self.lambdas.check(config, event, route_arn)


def route_arn(region: str, api_id: str, stage: str, method: str, path: str) -> str:
    """``arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH``, as an IAM-policy authorizer sees it."""
    return f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{api_id}/{stage}/{method}{path}"
