"""Who may call an HTTP API: loopback ``Host`` with the API's port, and browser origins its CORS allows.

An API listens on 127.0.0.1, but a web page in the developer's browser can still reach it: through DNS
rebinding (a name that resolves to 127.0.0.1, sent as ``Host``) or by simply sending a request from its own
origin. So a request is refused with API Gateway's 403 ``{"message":"Forbidden"}`` when

- its ``Host`` is not a loopback name or address (``localhost``, ``*.localhost``, ``127.0.0.0/8``, ``[::1]``)
  with the API's own port;
- it carries an ``Origin`` that is neither the API's own origin nor allowed by the API's CORS configuration
  (an API with a CORS configuration answers preflights itself, as API Gateway does, invoking nothing);
- it says ``Sec-Fetch-Site: cross-site`` without such an origin (a link or an ``<img>`` on another site).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from squall.runtime.apigw import CorsConfig, HttpResponse
from squall.runtime.apigw.response import JSON_CONTENT_TYPE


def forbidden() -> HttpResponse:
    return HttpResponse(403, [JSON_CONTENT_TYPE], b'{"message":"Forbidden"}')


def _get(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def is_loopback_host(host: str | None, port: int) -> bool:
    """``host`` (a ``Host`` header) names this machine's loopback interface and ``port``."""
    if not host:
        return False
    try:
        parts = urlsplit(f"//{host}")
        name, given_port = parts.hostname, parts.port
    except ValueError:
        return False
    if name is None or given_port != port or parts.username is not None or parts.path:
        return False
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def origin_allowed(origin: str, host: str, cors: CorsConfig | None) -> bool:
    if origin.lower() == f"http://{host}".lower():
        return True
    return cors is not None and cors.allowed_origin(origin) is not None


def refusal(headers: Sequence[tuple[str, str]], port: int, cors: CorsConfig | None) -> HttpResponse | None:
    """The answer that refuses this request, or None when it may go on."""
    host = _get(headers, "host")
    if host is None or not is_loopback_host(host, port):
        return forbidden()
    origin = _get(headers, "origin")
    if origin is not None:
        return None if origin_allowed(origin, host, cors) else forbidden()
    if (_get(headers, "sec-fetch-site") or "").lower() == "cross-site":
        return forbidden()
    return None
