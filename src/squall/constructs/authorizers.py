"""An ``Api``'s authorizers: who may call its routes, checked by API Gateway before any route runs.

Three kinds, as ``Api(authorizers={name: props})``:

- ``user_pool``: JWTs a ``Cognito`` pool issued for its client (a JWT authorizer whose issuer and
  audience come from the pool);
- ``jwt``: JWTs of any OpenID Connect issuer, for the listed audiences;
- ``lambda``: a function decides from the request's identity sources (payload format 2.0), with simple
  (``{"isAuthorized": ...}``) or IAM-policy responses, cached for ``ttl`` seconds.

A route names one (``"authorizer": "main"``), or ``"none"`` to stay public; ``defaults={"authorizer": ...}``
applies to every route that names none. Scopes (``authorization_scopes``) are for JWT authorizers only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypedDict
from urllib.parse import urlsplit

from squall.constructs.cognito import Cognito
from squall.constructs.function import Function, FunctionDefinition, function_from
from squall.errors import ConfigError
from squall.graph.model import get_att, ref, sub

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext

NO_AUTHORIZER = "none"
DEFAULT_IDENTITY_SOURCE = "$request.header.Authorization"
DEFAULT_TTL = 300
MAX_TTL = 3600
ResponseType = Literal["simple", "iam"]
IDENTITY_PREFIXES = ("$request.header.", "$request.querystring.", "$context.", "$stageVariables.")


class ApiUserPoolAuthorizer(TypedDict, total=False):
    type: Literal["user_pool"]
    user_pool: Cognito
    identity_source: str


class ApiJwtAuthorizer(TypedDict, total=False):
    type: Literal["jwt"]
    issuer: str
    audience: Sequence[str]
    identity_source: str


class ApiLambdaAuthorizer(TypedDict, total=False):
    type: Literal["lambda"]
    function: FunctionDefinition
    identity_source: str | Sequence[str]
    response_types: Sequence[ResponseType]
    ttl: int


ApiAuthorizerProps = ApiUserPoolAuthorizer | ApiJwtAuthorizer | ApiLambdaAuthorizer

_OPTIONS: dict[str, tuple[str, ...]] = {
    "user_pool": tuple(ApiUserPoolAuthorizer.__annotations__),
    "jwt": tuple(ApiJwtAuthorizer.__annotations__),
    "lambda": tuple(ApiLambdaAuthorizer.__annotations__),
}


@dataclass
class Authorizer:
    """One authorizer as configured, checked, and made into an ``AWS::ApiGatewayV2::Authorizer``."""

    name: str
    type: str
    props: Mapping[str, Any]
    function: Function | None = None

    @property
    def is_jwt(self) -> bool:
        return self.type in ("user_pool", "jwt")

    def identity_sources(self) -> list[str]:
        source = self.props.get("identity_source", DEFAULT_IDENTITY_SOURCE)
        return [source] if isinstance(source, str) else list(source)

    def slug(self, api_id: str) -> str:
        return f"{api_id}{pascal(self.name)}Authorizer"


def pascal(name: str) -> str:
    """``partner_sso`` → ``PartnerSso``: an authorizer's name as part of a logical id."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", name) if word)


def authorizers_from(
    stack: Stack, api_id: str, definitions: Mapping[str, Any], owner: str, errors: list[ConfigError]
) -> dict[str, Authorizer]:
    """The ``Authorizer`` of each definition that names a known type; problems go to ``errors``."""
    made: dict[str, Authorizer] = {}
    for name, props in definitions.items():
        kind = props.get("type") if isinstance(props, Mapping) else None
        if kind not in _OPTIONS:
            continue  # reported by problems()
        authorizer = Authorizer(name, str(kind), props)
        if kind == "lambda":
            function = function_from(
                stack,
                f"{api_id}{pascal(str(name))}AuthorizerFn",
                props.get("function"),
                owner=f"{owner} authorizer '{name}'",
            )
            if isinstance(function, ConfigError):
                errors.append(function)
            else:
                authorizer.function = function
        made[name] = authorizer
    return made


def problems(definitions: Mapping[str, Any]) -> Iterator[str]:
    """What is wrong with each authorizer definition, in words naming it and the bad value."""
    for name, props in definitions.items():
        if not isinstance(name, str) or not pascal(name) or name == NO_AUTHORIZER:
            yield f"authorizer name {name!r} is not allowed ('none' means a public route)"
            continue
        if not isinstance(props, Mapping):
            yield f"authorizer '{name}' must be a dict with a 'type', got {props!r}"
            continue
        kind = props.get("type")
        if kind not in _OPTIONS:
            yield f"authorizer '{name}' has unknown type {kind!r} (use 'user_pool', 'jwt' or 'lambda')"
            continue
        yield from _identity_problems(name, kind, props.get("identity_source", DEFAULT_IDENTITY_SOURCE))
        if kind == "user_pool" and not isinstance(props.get("user_pool"), Cognito):
            yield f"authorizer '{name}' needs user_pool=<a Cognito construct>, got {props.get('user_pool')!r}"
        if kind == "jwt":
            yield from _jwt_problems(name, props)
        if kind == "lambda":
            yield from _lambda_problems(name, props)


def _identity_problems(name: str, kind: str, source: object) -> Iterator[str]:
    sources = [source] if isinstance(source, str) else source
    if not isinstance(sources, Sequence) or not sources or (kind != "lambda" and len(sources) != 1):
        yield f"authorizer '{name}' has identity_source {source!r}: a JWT authorizer takes one"
        return
    for item in sources:
        if not isinstance(item, str) or not item.startswith(IDENTITY_PREFIXES):
            yield (
                f"authorizer '{name}' has identity_source {item!r}: use '$request.header.NAME', "
                "'$request.querystring.NAME', '$context.NAME' or '$stageVariables.NAME'"
            )
        elif kind != "lambda" and not item.startswith("$request.header."):
            yield f"authorizer '{name}' has identity_source {item!r}: a JWT comes from a header"


def _jwt_problems(name: str, props: Mapping[str, Any]) -> Iterator[str]:
    issuer = props.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        yield f"authorizer '{name}' needs an issuer URL, got {issuer!r}"
    else:
        parts = urlsplit(issuer)
        loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not parts.hostname or (parts.scheme != "https" and not loopback):
            yield f"authorizer '{name}' has issuer {issuer!r}: it must be an https:// URL"
    audience = props.get("audience")
    if (
        isinstance(audience, str)
        or not isinstance(audience, Sequence)
        or not audience
        or not all(isinstance(item, str) and item for item in audience)
    ):
        yield f"authorizer '{name}' needs audience=[...] (a list of client ids), got {audience!r}"


def _lambda_problems(name: str, props: Mapping[str, Any]) -> Iterator[str]:
    types = props.get("response_types", ["simple"])
    if isinstance(types, str) or not isinstance(types, Sequence) or len(types) != 1:
        yield f"authorizer '{name}' has response_types {types!r}: use ['simple'] or ['iam']"
    elif types[0] not in ("simple", "iam"):
        yield f"authorizer '{name}' has unknown response type {types[0]!r}: use 'simple' or 'iam'"
    ttl = props.get("ttl", DEFAULT_TTL)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= MAX_TTL:
        yield f"authorizer '{name}' has ttl {ttl!r}: use 0 to {MAX_TTL} seconds"


def authorizer_properties(authorizer: Authorizer, api_id: str, ctx: SynthContext) -> dict[str, Any]:
    """The ``AWS::ApiGatewayV2::Authorizer`` properties of ``authorizer`` on the API ``api_id``."""
    props = authorizer.props
    properties: dict[str, Any] = {
        "ApiId": ref(api_id),
        "Name": authorizer.name,
        "IdentitySource": authorizer.identity_sources(),
    }
    if authorizer.type == "user_pool":
        pool: Cognito = props["user_pool"]
        properties["AuthorizerType"] = "JWT"
        properties["JwtConfiguration"] = {
            "Issuer": pool.issuer(ctx),
            "Audience": [ref(pool.client_logical_id)],
        }
    elif authorizer.type == "jwt":
        properties["AuthorizerType"] = "JWT"
        properties["JwtConfiguration"] = {"Issuer": props["issuer"], "Audience": list(props["audience"])}
    else:
        assert authorizer.function is not None
        properties["AuthorizerType"] = "REQUEST"
        properties["AuthorizerPayloadFormatVersion"] = "2.0"
        properties["AuthorizerUri"] = {
            "Fn::Join": [
                "",
                [
                    f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/",
                    get_att(authorizer.function.logical_id, "Arn"),
                    "/invocations",
                ],
            ]
        }
        properties["EnableSimpleResponses"] = list(props.get("response_types", ["simple"])) == ["simple"]
        properties["AuthorizerResultTtlInSeconds"] = int(props.get("ttl", DEFAULT_TTL))
    return properties


def authorizer_permission(authorizer: Authorizer, api_id: str, ctx: SynthContext) -> dict[str, Any]:
    """The ``AWS::Lambda::Permission`` that lets API Gateway run a lambda authorizer's function."""
    assert authorizer.function is not None
    return {
        "FunctionName": ref(authorizer.function.logical_id),
        "Action": "lambda:InvokeFunction",
        "Principal": "apigateway.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
        "SourceArn": {
            "Fn::Join": [
                "",
                [
                    sub(f"arn:aws:execute-api:{ctx.region}:${{AWS::AccountId}}:"),
                    ref(api_id),
                    "/authorizers/*",
                ],
            ]
        },
    }
