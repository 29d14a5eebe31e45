"""``Api``: an API Gateway HTTP API whose routes invoke functions (payload format 2.0)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, cast

from squall.constructs.authorizers import (
    NO_AUTHORIZER,
    ApiAuthorizerProps,
    Authorizer,
    authorizer_permission,
    authorizer_properties,
    authorizers_from,
    problems,
)
from squall.constructs.base import Construct, Token
from squall.constructs.binding import Access, BindsResources
from squall.constructs.function import Function, FunctionDefinition, FunctionProps, function_from
from squall.constructs.options import current_call_site, strict_options
from squall.errors import ConfigError
from squall.graph.model import get_att, ref, sub
from squall.graph.naming import physical_name, stable_hash

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
_SEGMENT = re.compile(
    r"^(?:[A-Za-z0-9._~:@!$&'()*,;=-]+|\{[A-Za-z_][A-Za-z0-9_]*\}|\{[A-Za-z_][A-Za-z0-9_]*\+\})$"
)
INTEGRATION_TIMEOUT_MS = 30_000


class ApiRouteProps(TypedDict, total=False):
    function: FunctionDefinition
    authorizer: str
    """An authorizer's name from ``Api(authorizers=...)``, or ``"none"`` for a public route."""
    authorization_scopes: Sequence[str]
    """For JWT authorizers: the token must carry one of these scopes (else 403)."""


RouteDefinition = FunctionDefinition | ApiRouteProps


class ApiCorsProps(TypedDict, total=False):
    allow_origins: Sequence[str]
    allow_methods: Sequence[str]
    allow_headers: Sequence[str]
    expose_headers: Sequence[str]
    allow_credentials: bool
    max_age: int


class ApiDefaults(TypedDict, total=False):
    function: FunctionProps
    authorizer: str
    authorization_scopes: Sequence[str]


def route_key_problem(key: str) -> str | None:
    """Why ``key`` is not a valid HTTP API route key, or None."""
    if key == "$default":
        return None
    method, space, path = key.partition(" ")
    if not space or method not in METHODS:
        return f"must be 'METHOD /path' with METHOD one of {', '.join(METHODS)}, or '$default'"
    if not path.startswith("/"):
        return "the path must start with '/'"
    if path == "/":
        return None
    segments = path[1:].split("/")
    for index, segment in enumerate(segments):
        if not _SEGMENT.match(segment):
            return f"bad path segment {segment!r}"
        if segment.endswith("+}") and index != len(segments) - 1:
            return f"the greedy parameter {segment} must be the last segment"
    names = [s[1:-1].rstrip("+") for s in segments if s.startswith("{")]
    if len(names) != len(set(names)):
        return "a path parameter name appears twice"
    return None


def route_slug(key: str) -> str:
    """``GET /stats/{code}`` → ``GetStatsCode``; ``ANY /{proxy+}`` → ``AnyProxyAll``."""
    if key == "$default":
        return "Default"
    method, _, path = key.partition(" ")
    words = [method.capitalize()]
    for segment in path.strip("/").split("/"):
        if not segment:
            continue
        greedy = segment.endswith("+}")
        name = segment.strip("{}+")
        words.extend(w.capitalize() for w in re.split(r"[^A-Za-z0-9]+", name) if w)
        if greedy:
            words.append("All")
    return "".join(words) or "Root"


@dataclass
class Route:
    key: str
    function: Function | None
    slug: str
    authorizer: str | None = None
    """The authorizer's name as written (None: the default applies)."""
    scopes: Sequence[str] | None = None


class Api(Construct, BindsResources):
    """An HTTP API. ``routes`` maps ``"GET /users/{id}"`` (or ``"$default"``) to a function."""

    kind = "Api"

    def __init__(
        self,
        stack: Stack,
        id: str,
        *,
        routes: Mapping[str, RouteDefinition] | None = None,
        cors: bool | ApiCorsProps = True,
        defaults: ApiDefaults | None = None,
        authorizers: Mapping[str, ApiAuthorizerProps] | None = None,
    ) -> None:
        super().__init__(stack, id)
        self._init_binds()
        self.cors = cors
        self.defaults: ApiDefaults = defaults or {}
        self.routes: dict[str, Route] = {}
        self._errors: list[ConfigError] = []
        self.authorizer_definitions: Mapping[str, Any] = authorizers or {}
        self.authorizers: dict[str, Authorizer] = (
            authorizers_from(stack, id, self.authorizer_definitions, f"Api '{id}'", self._errors)
            if isinstance(self.authorizer_definitions, Mapping)
            else {}
        )
        self.add_routes(routes or {})

    @property
    def url(self) -> Token:
        """The API's URL, known once it is deployed."""
        return Token(get_att(self.id, "ApiEndpoint"))

    @strict_options
    def add_routes(self, routes: Mapping[str, RouteDefinition]) -> None:
        site = current_call_site()
        for key, definition in routes.items():
            at = site.line_of("routes", key)
            problem = route_key_problem(key) if isinstance(key, str) else "must be a string"
            if problem:
                self._errors.append(self.error(f"malformed route key {key!r}: {problem}", at=at))
                continue
            if key in self.routes:
                self._errors.append(self.error(f"route {key!r} is defined twice", at=at))
                continue
            slug = self._unique_slug(key)
            target = (
                definition.get("function")
                if isinstance(definition, Mapping) and "function" in definition
                else definition
            )
            made = function_from(
                self.stack,
                slug,
                target,
                owner=f"Api '{self.id}' route '{key}'",
                defaults=self.defaults.get("function"),
                at=at,
            )
            if isinstance(made, ConfigError):
                self._errors.append(made)
                self.routes[key] = Route(key, None, slug)
                continue
            made.inherited_binds.append(self)
            route = Route(key, made, slug)
            if isinstance(definition, Mapping) and "function" in definition:
                options = cast(Mapping[str, Any], definition)
                route.authorizer = options.get("authorizer")
                route.scopes = options.get("authorization_scopes")
            self.routes[key] = route

    def _unique_slug(self, key: str) -> str:
        slug = f"{self.id}{route_slug(key)}"
        if any(route.slug == slug for route in self.routes.values()):
            slug = f"{slug}{stable_hash(key, 6)}"
        return slug

    def validate(self) -> Iterator[ConfigError]:
        yield from super().validate()
        yield from self._errors
        yield from self._authorization_problems()

    def route_authorizer(self, route: Route) -> Authorizer | None:
        """The authorizer that guards ``route`` (its own, else the default), or None for a public route."""
        name = route.authorizer if route.authorizer is not None else self.defaults.get("authorizer")
        if name is None or name == NO_AUTHORIZER:
            return None
        return self.authorizers.get(name)

    def route_scopes(self, route: Route) -> list[str]:
        scopes = route.scopes if route.scopes is not None else self.defaults.get("authorization_scopes")
        return list(scopes or [])

    def _authorization_problems(self) -> Iterator[ConfigError]:
        if not isinstance(self.authorizer_definitions, Mapping):
            yield self.error(
                f"authorizers must be a dict of name to props, got {self.authorizer_definitions!r}"
            )
            return
        for problem in problems(self.authorizer_definitions):
            yield self.error(problem)
        known = ", ".join(repr(n) for n in [*self.authorizer_definitions, NO_AUTHORIZER])
        default = self.defaults.get("authorizer")
        if default is not None and default != NO_AUTHORIZER and default not in self.authorizer_definitions:
            yield self.error(f"defaults authorizer {default!r} is not defined", hint=f"use one of {known}")
        for route in self.routes.values():
            name = route.authorizer
            if name is not None and name != NO_AUTHORIZER and name not in self.authorizer_definitions:
                yield self.error(
                    f"route {route.key!r} names unknown authorizer {name!r}", hint=f"use one of {known}"
                )
                continue
            scopes = self.route_scopes(route)
            if scopes and (isinstance(scopes, str) or not all(isinstance(s, str) and s for s in scopes)):
                yield self.error(
                    f"route {route.key!r} has authorization_scopes {scopes!r}: use a list of strings"
                )
                continue
            authorizer = self.route_authorizer(route)
            if scopes and authorizer is None:
                yield self.error(
                    f"route {route.key!r} has authorization_scopes {scopes!r} but no authorizer",
                    hint="scopes are checked by a JWT authorizer: name one for the route",
                )
            elif scopes and authorizer is not None and not authorizer.is_jwt:
                yield self.error(
                    f"route {route.key!r} has authorization_scopes {scopes!r} on the lambda authorizer "
                    f"{authorizer.name!r}",
                    hint="only JWT authorizers (type 'jwt' or 'user_pool') check scopes",
                )

    def cors_configuration(self) -> dict[str, Any] | None:
        if self.cors is False:
            return None
        cors: Mapping[str, Any] = self.cors if isinstance(self.cors, Mapping) else {}
        config: dict[str, Any] = {
            "AllowOrigins": list(cors.get("allow_origins", ["*"])),
            "AllowMethods": list(cors.get("allow_methods", ["*"])),
            "AllowHeaders": list(cors.get("allow_headers", ["*"])),
        }
        if "expose_headers" in cors:
            config["ExposeHeaders"] = list(cors["expose_headers"])
        if "allow_credentials" in cors:
            config["AllowCredentials"] = bool(cors["allow_credentials"])
        if "max_age" in cors:
            config["MaxAge"] = int(cors["max_age"])
        return config

    def synthesize(self, ctx: SynthContext) -> None:
        api_properties: dict[str, Any] = {
            "Name": physical_name(ctx.app, ctx.stage, self.id, "http_api"),
            "ProtocolType": "HTTP",
        }
        cors = self.cors_configuration()
        if cors is not None:
            api_properties["CorsConfiguration"] = cors
        ctx.add("AWS::ApiGatewayV2::Api", self.id, api_properties["Name"], api_properties, construct=self.id)
        ctx.add(
            "AWS::ApiGatewayV2::Stage",
            f"{self.id}Stage",
            "$default",
            {"ApiId": ref(self.id), "StageName": "$default", "AutoDeploy": True},
            construct=self.id,
        )
        for authorizer in self.authorizers.values():
            ctx.add(
                "AWS::ApiGatewayV2::Authorizer",
                authorizer.slug(self.id),
                None,
                authorizer_properties(authorizer, self.id, ctx),
                construct=self.id,
            )
            if authorizer.function is not None:
                ctx.add(
                    "AWS::Lambda::Permission",
                    f"{authorizer.slug(self.id)}Permission",
                    None,
                    authorizer_permission(authorizer, self.id, ctx),
                    construct=self.id,
                )
        for route in self.routes.values():
            assert route.function is not None
            function = route.function
            integration_id = f"{route.slug}Integration"
            ctx.add(
                "AWS::ApiGatewayV2::Integration",
                integration_id,
                None,
                {
                    "ApiId": ref(self.id),
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": get_att(function.logical_id, "Arn"),
                    "PayloadFormatVersion": "2.0",
                    "TimeoutInMillis": INTEGRATION_TIMEOUT_MS,
                },
                construct=self.id,
            )
            ctx.add(
                "AWS::ApiGatewayV2::Route",
                f"{route.slug}Route",
                None,
                {
                    "ApiId": ref(self.id),
                    "RouteKey": route.key,
                    "Target": {"Fn::Join": ["/", ["integrations", ref(integration_id)]]},
                    **self._route_authorization(route),
                },
                construct=self.id,
                metadata={"function": function.logical_id},
            )
            ctx.add(
                "AWS::Lambda::Permission",
                f"{route.slug}Permission",
                None,
                {
                    "FunctionName": ref(function.logical_id),
                    "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                    "SourceAccount": {"Ref": "AWS::AccountId"},
                    "SourceArn": {
                        "Fn::Join": [
                            "",
                            [
                                sub(f"arn:aws:execute-api:{ctx.region}:${{AWS::AccountId}}:"),
                                ref(self.id),
                                "/*/*",
                            ],
                        ]
                    },
                },
                construct=self.id,
            )

    def _route_authorization(self, route: Route) -> dict[str, Any]:
        authorizer = self.route_authorizer(route)
        if authorizer is None:
            return {}  # API Gateway's default: NONE
        properties: dict[str, Any] = {
            "AuthorizationType": "JWT" if authorizer.is_jwt else "CUSTOM",
            "AuthorizerId": ref(authorizer.slug(self.id)),
        }
        scopes = self.route_scopes(route)
        if scopes:
            properties["AuthorizationScopes"] = scopes
        return properties

    def bind_metadata(self, ctx: SynthContext) -> dict[str, Any]:
        return {"url": self.url.value}

    def bind_statements(self, ctx: SynthContext, access: Access) -> list[dict[str, Any]]:
        return []
