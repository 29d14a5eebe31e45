"""Handler result → HTTP response, as an HTTP API with payload format 2.0 maps it.

* A dict with ``statusCode`` is a response: ``statusCode``, ``headers`` (a dict; ``multiValueHeaders`` is
  a 1.0 field and is ignored), ``cookies`` (one ``set-cookie`` header each), ``body`` (a string, base64
  when ``isBase64Encoded`` is true). A malformed one (non-integer status, non-string body, bad base64)
  is a 500, as API Gateway answers a malformed Lambda response.
* Anything else that is valid JSON (a dict without ``statusCode``, a list, a number, ``None``) is a 200
  with ``content-type: application/json`` and that JSON as the body; a string is the body itself (AWS's
  documented example: returning ``"Hello from Lambda!"`` gives that text as the body).

Error answers API Gateway gives on its own, each with ``content-type: application/json``:

* no route: 404 ``{"message":"Not Found"}``
* the function failed (an error, a timeout, a crash), or Lambda refused the call (throttled, missing
  function): 500 ``{"message":"Internal Server Error"}``; Lambda's 429 is not passed on.
* the integration did not answer within the HTTP API limit (30 s): 503 ``{"message":"Service Unavailable"}``
* API Gateway's own rate limit: 429 ``{"message":"Too Many Requests"}``
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

JSON_CONTENT_TYPE = ("content-type", "application/json")


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


def _message(status: int, message: str) -> HttpResponse:
    return HttpResponse(
        status, [JSON_CONTENT_TYPE], json.dumps({"message": message}, separators=(",", ":")).encode()
    )


def not_found() -> HttpResponse:
    return _message(404, "Not Found")


def unauthorized() -> HttpResponse:
    return HttpResponse(401, [JSON_CONTENT_TYPE], b'{"message":"Unauthorized"}')


def authorizer_refusal(status: int) -> HttpResponse:
    """An authorizer's refusal in API Gateway's words: 401 Unauthorized, 403 Forbidden, else 500."""
    if status == 401:
        return unauthorized()
    if status == 403:
        return HttpResponse(403, [JSON_CONTENT_TYPE], b'{"message":"Forbidden"}')
    return internal_server_error()


def internal_server_error() -> HttpResponse:
    return _message(500, "Internal Server Error")


def service_unavailable() -> HttpResponse:
    return _message(503, "Service Unavailable")


def too_many_requests() -> HttpResponse:
    return _message(429, "Too Many Requests")


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def map_result(result: object) -> HttpResponse:
    """The HTTP response for a handler's (successful) result."""
    if isinstance(result, Mapping) and "statusCode" in result:
        return _explicit_response(result)
    if isinstance(result, str):
        return HttpResponse(200, [JSON_CONTENT_TYPE], result.encode("utf-8"))
    return HttpResponse(200, [JSON_CONTENT_TYPE], json.dumps(result).encode("utf-8"))


def map_invocation(payload: object, error_type: str | None) -> HttpResponse:
    """The HTTP response for a finished invocation: a 500 when the function failed."""
    if error_type is not None:
        return internal_server_error()
    return map_result(payload)


def _explicit_response(result: Mapping[object, object]) -> HttpResponse:
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int | str):
        return internal_server_error()
    try:
        code = int(status)
    except ValueError:
        return internal_server_error()
    if not 100 <= code <= 599:
        return internal_server_error()
    headers: list[tuple[str, str]] = []
    raw_headers = result.get("headers") or {}
    if not isinstance(raw_headers, Mapping):
        return internal_server_error()
    for name, value in raw_headers.items():
        headers.append((str(name), _scalar_text(value)))
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        return internal_server_error()
    headers += [("set-cookie", str(cookie)) for cookie in cookies]
    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        return internal_server_error()
    elif result.get("isBase64Encoded") is True:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return internal_server_error()
    else:
        data = body.encode("utf-8")
    return HttpResponse(code, headers, data)
