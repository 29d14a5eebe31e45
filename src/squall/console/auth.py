"""The console's only door: a random token per start, given in the printed URL and then kept in a cookie.

Every page and API answers 401 without it. Requests must also name a loopback host, so a web page on
another site cannot reach the console through DNS rebinding.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
HEADER = "x-squall-token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def cookie_name(port: int | None) -> str:
    """One cookie per port: cookies ignore ports, and two consoles may run side by side."""
    return f"squall_console_{port or 0}"


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _host(headers: dict[str, str]) -> str:
    host = headers.get("host", "")
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0]


def _port(scope: Scope) -> int | None:
    server = scope.get("server")
    return int(server[1]) if server and server[1] is not None else None


def presented(scope: Scope) -> tuple[str | None, bool]:
    """The token the request carries and whether it came in the query string."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0], True
    headers = _headers(scope)
    if headers.get(HEADER):
        return headers[HEADER], False
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:
        return None, False
    morsel = cookie.get(cookie_name(_port(scope)))
    return (morsel.value if morsel else None), False


class TokenGuard:
    def __init__(self, app: ASGIApp, token: str, allowed_hosts: frozenset[str] = LOOPBACK_HOSTS) -> None:
        self.app = app
        self.token = token
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _host(_headers(scope)) not in self.allowed_hosts:
            await _refuse(send, 403, b"the console answers on 127.0.0.1 only")
            return
        token, in_query = presented(scope)
        if token is None or not secrets.compare_digest(token.encode(), self.token.encode()):
            await _refuse(send, 401, b"the console needs its token: open the URL `squall console` printed")
            return
        if not in_query:
            await self.app(scope, receive, send)
            return
        cookie = f"{cookie_name(_port(scope))}={self.token}; Path=/; HttpOnly; SameSite=Strict"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())],
                }
            await send(message)

        await self.app(scope, receive, send_with_cookie)


async def _refuse(send: Send, status: int, text: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(text)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": text})
