"""HTTP request → API Gateway HTTP API payload format 2.0 event.

The event has the fields and shapes AWS sends (developer guide, "Create AWS Lambda proxy integrations
for HTTP APIs"): header names lower-cased, repeated headers and repeated query parameters joined with
commas, every ``Cookie`` header split into the ``cookies`` array (and left out of ``headers``).
``cookies``, ``queryStringParameters``, ``pathParameters``, ``stageVariables`` and ``body`` are left out
when there is nothing to put in them, as AWS leaves them out.

Bodies: AWS sends the body as text (``isBase64Encoded: false``) only for the media types ``text/*``,
``application/json``, ``application/javascript`` and ``application/xml``; every other type, a missing
``Content-Type`` and ``application/x-www-form-urlencoded`` included, arrives base64-encoded. We follow
that, and also base64-encode a body that is not valid UTF-8 or has a ``Content-Encoding`` (a gzip body is
bytes whatever its type).

Query strings: keys and values are percent-decoded; ``+`` is kept as is, not turned into a space.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from squall.runtime.apigw.routes import DEFAULT_ROUTE, RouteMatch

TEXT_MEDIA_TYPES = frozenset({"application/json", "application/javascript", "application/xml"})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class HttpRequest:
    """A request as the server read it off the wire."""

    method: str
    raw_path: str
    raw_query: str | bytes = ""
    headers: Sequence[tuple[str, str]] = ()
    """In arrival order, names in any case, repeats kept."""
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    scheme: str = "http"
    port: int | None = None


@dataclass(frozen=True)
class ApiInfo:
    """Which API and stage a request came through."""

    api_id: str
    account_id: str = "000000000000"
    region: str = "us-east-1"
    stage: str = "$default"
    stage_variables: Mapping[str, str] | None = None


def format_request_time(epoch_ms: int) -> str:
    """``12/Mar/2020:19:03:58 +0000``, the ``requestContext.time`` format (English month names)."""
    t = time.gmtime(epoch_ms / 1000)
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def is_text_body(content_type: str | None, content_encoding: str | None = None) -> bool:
    if not content_type or content_encoding:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type.startswith("text/") or media_type in TEXT_MEDIA_TYPES


def encode_body(
    body: bytes, content_type: str | None, content_encoding: str | None = None
) -> tuple[str, bool]:
    """The event's (``body``, ``isBase64Encoded``) for raw request bytes."""
    if is_text_body(content_type, content_encoding):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def parse_query(raw_query: str) -> dict[str, str]:
    """``queryStringParameters``: decoded names to values, repeats joined with commas, in order."""
    params: dict[str, str] = {}
    for part in raw_query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        key, decoded = unquote(name), unquote(value)
        params[key] = f"{params[key]},{decoded}" if key in params else decoded
    return params


def merge_headers(headers: Sequence[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Lower-cased headers with repeats comma-joined, and the cookies from every ``Cookie`` header."""
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    return merged, cookies


def build_event(
    request: HttpRequest,
    api: ApiInfo,
    *,
    request_id: str,
    time_epoch_ms: int,
    route: RouteMatch | None = None,
    authorizer: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The payload 2.0 event for ``request`` on the route it matched (``$default`` when None)."""
    match = route or RouteMatch(DEFAULT_ROUTE)
    raw_query = (
        request.raw_query.decode("utf-8", "replace")
        if isinstance(request.raw_query, bytes)
        else request.raw_query
    )
    headers, cookies = merge_headers(request.headers)
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip
    headers.setdefault("x-forwarded-proto", request.scheme)
    if request.port is not None:
        headers.setdefault("x-forwarded-port", str(request.port))
    domain = headers.get("host") or f"{api.api_id}.execute-api.{api.region}.amazonaws.com"
    context: dict[str, object] = {
        "accountId": api.account_id,
        "apiId": api.api_id,
    }
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)
    context.update(
        {
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "http": {
                "method": request.method.upper(),
                "path": request.raw_path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": match.route_key,
            "stage": api.stage,
            "time": format_request_time(time_epoch_ms),
            "timeEpoch": time_epoch_ms,
        }
    )
    event: dict[str, object] = {
        "version": "2.0",
        "routeKey": match.route_key,
        "rawPath": request.raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = parse_query(raw_query)
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = context
    if request.body:
        body, encoded = encode_body(
            request.body, headers.get("content-type"), headers.get("content-encoding")
        )
        event["body"] = body
    else:
        encoded = False
    if match.path_parameters:
        event["pathParameters"] = dict(match.path_parameters)
    event["isBase64Encoded"] = encoded
    if api.stage_variables:
        event["stageVariables"] = dict(api.stage_variables)
    return event


def caller(event: Any) -> str | None:
    """Who called, as the route's authorizer said: the token's user, or a Lambda authorizer's principal."""
    context = event.get("requestContext") if isinstance(event, dict) else None
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    if not isinstance(authorizer, dict):
        return None
    jwt = authorizer.get("jwt")
    claims = jwt.get("claims") if isinstance(jwt, dict) else None
    if isinstance(claims, dict):
        for name in ("email", "cognito:username", "username", "sub", "client_id"):
            if claims.get(name):
                return str(claims[name])
    if authorizer.get("principalId"):
        return str(authorizer["principalId"])
    return "lambda authorizer" if "lambda" in authorizer else None
