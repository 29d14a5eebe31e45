"""Which service and operation a request is for, and whether it changes state.

The service comes from the SigV4 credential scope (``Authorization`` header, or ``X-Amz-Credential``
in a presigned URL), the operation from ``X-Amz-Target`` (JSON protocol), the ``Action`` parameter
(query protocol) or, for REST services, from botocore's own model: method plus ``requestUri``.

A request is journaled when it may change state. For JSON and query services that is any
operation not named like a read; for REST services, any method other than GET, HEAD and OPTIONS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote

# moto backend name -> botocore service name, for every service the local cloud serves
SERVICES: dict[str, str] = {
    "dynamodb": "dynamodb",
    "dynamodbstreams": "dynamodbstreams",
    "s3": "s3",
    "sqs": "sqs",
    "sns": "sns",
    "iam": "iam",
    "sts": "sts",
    "awslambda": "lambda",
    "apigatewayv2": "apigatewayv2",
    "apigateway": "apigateway",
    "cognitoidp": "cognito-idp",
    "events": "events",
    "logs": "logs",
    "ssm": "ssm",
}

_BY_SIGNING_NAME = {
    "dynamodb": "dynamodb",
    "s3": "s3",
    "sqs": "sqs",
    "sns": "sns",
    "iam": "iam",
    "sts": "sts",
    "lambda": "awslambda",
    "cognito-idp": "cognitoidp",
    "events": "events",
    "logs": "logs",
    "ssm": "ssm",
}

# unsigned JSON-protocol requests still name their API in X-Amz-Target
_BY_TARGET_PREFIX = {
    "DynamoDBStreams_": "dynamodbstreams",
    "DynamoDB_": "dynamodb",
    "AmazonSQS": "sqs",
    "Logs_": "logs",
    "AWSEvents": "events",
    "AmazonSSM": "ssm",
    "AWSCognitoIdentityProviderService": "cognitoidp",
}
# a user pool's public keys and OpenID configuration, served without a signature (a pool id has an
# underscore, which no S3 bucket name has)
USER_POOL_WELL_KNOWN = re.compile(
    r"^/(?P<pool>[a-z]{2}(?:-[a-z]+)+-\d_[0-9A-Za-z]+)/\.well-known/(?:jwks\.json|openid-configuration)$"
)

_READ_PREFIXES = (
    "Get",
    "List",
    "Describe",
    "Query",
    "Scan",
    "BatchGet",
    "TransactGet",
    "Head",
    "Filter",
    "Test",
    "Search",
    "Simulate",
    "Lookup",
    "Check",
)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")


class UnknownService(Exception):
    """The request names no service the local cloud serves."""


@dataclass(frozen=True)
class Target:
    service: str
    region: str
    operation: str | None


def identify(method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Target:
    """The moto backend, region and operation of a request (``headers`` keys in lowercase)."""
    service, region = service_of(path, query, headers)
    return Target(service, region, operation_of(service, method, path, query, headers, body))


def service_of(path: str, query: str, headers: Mapping[str, str]) -> tuple[str, str]:
    """The moto backend and region a request is for, from its credential scope alone (no body read)."""
    signing_name, region = _scope(headers, query)
    amz_target = headers.get("x-amz-target", "")
    service: str | None
    if signing_name is None and (well_known := USER_POOL_WELL_KNOWN.match(path)):
        return "cognitoidp", well_known.group("pool").rsplit("_", 1)[0]
    if signing_name is None:
        service = next((s for p, s in _BY_TARGET_PREFIX.items() if amz_target.startswith(p)), None)
        service = service or "s3"
    elif signing_name == "dynamodb" and amz_target.startswith("DynamoDBStreams"):
        service = "dynamodbstreams"
    elif signing_name == "apigateway":
        service = "apigatewayv2" if path.startswith("/v2/") else "apigateway"
    else:
        service = _BY_SIGNING_NAME.get(signing_name)
    if service is None:
        raise UnknownService(signing_name or "unknown")
    return service, region


def _scope(headers: Mapping[str, str], query: str) -> tuple[str | None, str]:
    credential: str | None = None
    match = _CREDENTIAL.search(headers.get("authorization", ""))
    if match:
        credential = match.group(1)
    elif "X-Amz-Credential" in query:
        credential = parse_qs(query).get("X-Amz-Credential", [""])[0]
    if credential:
        parts = credential.split("/")
        if len(parts) >= 5:
            return parts[-2].lower(), parts[-3] or "us-east-1"
    return None, "us-east-1"


def operation_of(
    service: str, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> str | None:
    amz_target = headers.get("x-amz-target")
    if amz_target:
        return amz_target.rsplit(".", 1)[-1]
    action = _action(query, headers, body)
    if action:
        return action
    return _rest_operation(SERVICES[service], method, path, query, headers)


def _action(query: str, headers: Mapping[str, str], body: bytes) -> str | None:
    if "Action=" in query:
        return parse_qs(query).get("Action", [None])[0]
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded") and body:
        found = parse_qs(body.decode("utf-8", "replace")).get("Action")
        return found[0] if found else None
    return None


def is_mutating(target: Target, method: str) -> bool:
    operation = target.operation
    if target.service in {"s3", "awslambda", "apigatewayv2", "apigateway"} or operation is None:
        return method.upper() not in _READ_METHODS
    return not operation.startswith(_READ_PREFIXES)


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    query_keys: frozenset[str]
    weight: int
    name: str
    query_values: tuple[tuple[str, str], ...] = ()
    """Literal ``key=value`` pairs of the operation's URI (S3's ``x-id=DeleteObject``): they must match."""
    headers: frozenset[str] = frozenset()
    """Headers the operation requires (lowercase)."""


@cache
def _routes(botocore_name: str) -> tuple[_Route, ...]:
    import botocore.session

    model = botocore.session.get_session().get_service_model(botocore_name)
    if model.protocol not in {"rest-json", "rest-xml"}:
        return ()
    routes: list[_Route] = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri, _, uri_query = str(http["requestUri"]).partition("?")
        pairs = [part.partition("=") for part in uri_query.split("&") if part]
        values = tuple((key, value) for key, sep, value in pairs if sep and value)
        keys = {key for key, sep, value in pairs if not (sep and value)} | _required(
            model, name, "querystring"
        )
        regex = ""
        literal = 0
        for piece in re.split(r"(\{[^}]+\})", uri):
            if piece.startswith("{"):
                regex += "(.+)" if piece.endswith("+}") else "([^/]+)"
            else:
                regex += re.escape(piece)
                literal += len(piece)
        regex = regex.rstrip("/") if len(regex) > 1 else regex
        routes.append(
            _Route(
                http["method"],
                re.compile(f"^{regex}/?$"),
                frozenset(keys),
                literal * 10 + len(keys) + len(values) + len(_required(model, name, "header")),
                name,
                values,
                frozenset(_required(model, name, "header")),
            )
        )
    return tuple(sorted(routes, key=lambda r: -r.weight))


def _required(model: Any, operation: str, location: str) -> set[str]:
    """The query parameters or headers (lowercase) an operation's input requires: ``uploadId`` of
    ``AbortMultipartUpload``, ``x-amz-copy-source`` of ``CopyObject``."""
    shape = model.operation_model(operation).input_shape
    if shape is None:
        return set()
    found = {
        str(member.serialization.get("name", name))
        for name, member in shape.members.items()
        if name in shape.required_members and member.serialization.get("location") == location
    }
    return {name.lower() for name in found} if location == "header" else found


def _rest_operation(
    botocore_name: str, method: str, path: str, query: str, headers: Mapping[str, str] | None = None
) -> str | None:
    pairs = [part.partition("=") for part in query.split("&") if part]
    present = {key for key, _, _ in pairs}
    given = {(key, unquote(value)) for key, _, value in pairs}
    for route in _routes(botocore_name):
        if route.method != method or not route.query_keys <= present or not route.pattern.match(path):
            continue
        # ``x-id`` names the operation when a client sends it (botocore does since 1.36); other literals
        # (``list-type=2``) must be there
        if any(
            (key, value) not in given and (key in present or key != "x-id")
            for key, value in route.query_values
        ):
            continue
        if route.headers and not all(
            any(name.lower() == wanted for name in (headers or {})) for wanted in route.headers
        ):
            continue
        return route.name
    return None
