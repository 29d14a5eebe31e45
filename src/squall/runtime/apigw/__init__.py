"""API Gateway HTTP API (payload format 2.0), as pure functions: route selection, events, responses, CORS.

The local cloud's HTTP data plane and ``squall dev`` use it so::

    table = RouteTable(["GET /users/{id}", "ANY /{proxy+}", "$default"])
    if cors and is_preflight(method, headers):
        return preflight_response(cors, headers)
    match = table.match(method, raw_path)
    if match is None:
        return not_found()
    event = build_event(request, api, request_id=rid, time_epoch_ms=now_ms, route=match)
    result = pool.invoke(event)
    response = map_invocation(result.payload, result.error_type)
    return apply_cors(cors, headers, response) if cors else response
"""

from __future__ import annotations

from squall.runtime.apigw.cors import CorsConfig, apply_cors, is_preflight, preflight_response
from squall.runtime.apigw.event import (
    ApiInfo,
    HttpRequest,
    build_event,
    encode_body,
    format_request_time,
    is_text_body,
    merge_headers,
    parse_query,
)
from squall.runtime.apigw.response import (
    HttpResponse,
    authorizer_refusal,
    internal_server_error,
    map_invocation,
    map_result,
    not_found,
    service_unavailable,
    too_many_requests,
    unauthorized,
)
from squall.runtime.apigw.routes import DEFAULT_ROUTE, RouteMatch, RouteTable, select_route

__all__ = [
    "DEFAULT_ROUTE",
    "ApiInfo",
    "CorsConfig",
    "HttpRequest",
    "HttpResponse",
    "RouteMatch",
    "RouteTable",
    "apply_cors",
    "authorizer_refusal",
    "build_event",
    "encode_body",
    "format_request_time",
    "internal_server_error",
    "is_preflight",
    "is_text_body",
    "map_invocation",
    "map_result",
    "merge_headers",
    "not_found",
    "parse_query",
    "preflight_response",
    "select_route",
    "service_unavailable",
    "too_many_requests",
    "unauthorized",
]
