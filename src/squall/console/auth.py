"""The console's door: who may open it, and which requests may change something.

- ``Host`` must name a loopback host (starlette's ``TrustedHostMiddleware``) and the console's own port, so a
  page cannot reach the console through DNS rebinding or another local server's name.
- A request from a browser must come from the console's own page: ``Origin``, when sent, is the console's own
  origin, and ``Sec-Fetch-Site``, when sent, is ``same-origin`` or ``none`` (typed or opened from a terminal).
  Cookies ignore ports, so without this any page on another ``127.0.0.1`` port could drive the console.
- Every request carries the token: given once in the printed URL, then kept in a cookie (or sent in the
  ``x-squall-token`` header by scripts). Without it, 401.
- Every request that may change something (any method but GET and HEAD) also carries the session header,
  whose value is embedded in the page the console serves and sent by the page's own script. No other page
  can read it, and no form or simple request can send a custom header.
"""

from __future__ import annotations

import secrets

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
HEADER = "x-squall-token"
SESSION_HEADER = "x-squall-session"
SESSION_META = "squall-session"
"""The ``<meta name=...>`` of the served page that holds the session value."""
QUERY = "token"
"""The query parameter that carries the token in the printed URL; no API uses it for anything else."""
READS = frozenset({"GET", "HEAD"})
BROWSER_SITES = frozenset({"same-origin", "none"})


def new_token() -> str:
    return secrets.token_urlsafe(24)


def cookie_name(port: int | None) -> str:
    """One cookie per port: cookies ignore ports, and two consoles may run side by side."""
    return f"squall_console_{port or 0}"


def _port(scope: Scope) -> int | None:
    server = scope.get("server")
    return int(server[1]) if server and server[1] is not None else None


def presented(connection: HTTPConnection) -> tuple[str | None, bool]:
    """The token the request carries and whether it came in the query string."""
    in_query = connection.query_params.get(QUERY)
    if in_query:
        return in_query, True
    in_header = connection.headers.get(HEADER)
    if in_header:
        return in_header, False
    return connection.cookies.get(cookie_name(_port(connection.scope))), False


def _same(presented: str | None, expected: str) -> bool:
    return presented is not None and secrets.compare_digest(presented.encode(), expected.encode())


def refusal(connection: HTTPConnection, token: str, session: str) -> tuple[int, str] | None:
    """Why the request is refused (status, text), or None when it may go on."""
    port = _port(connection.scope)
    if connection.url.port != port:
        return 403, "the console answers on its own address only"
    site = connection.headers.get("sec-fetch-site")
    if site is not None and site not in BROWSER_SITES:
        return 403, "the console answers its own page only (cross-site request refused)"
    origin = connection.headers.get("origin")
    if origin is not None and origin.lower() != f"http://{connection.headers.get('host', '').lower()}":
        return 403, "the console answers its own page only (cross-origin request refused)"
    if not _same(presented(connection)[0], token):
        return 401, "the console needs its token: open the URL `squall console` printed"
    if connection.scope.get("method", "GET") not in READS and not _same(
        connection.headers.get(SESSION_HEADER), session
    ):
        return 403, "changes must come from the console's own page (missing session header)"
    return None


class _Guard:
    def __init__(self, app: ASGIApp, token: str, session: str) -> None:
        self.app = app
        self.token = token
        self.session = session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        refused = refusal(connection, self.token, self.session)
        if refused is not None:
            await _refuse(send, *refused)
            return
        if not presented(connection)[1]:
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


class TokenGuard:
    """The whole door as one ASGI middleware: loopback host names first, then ``refusal``'s checks."""

    def __init__(
        self,
        app: ASGIApp,
        token: str,
        session: str | None = None,
        allowed_hosts: frozenset[str] = LOOPBACK_HOSTS,
    ) -> None:
        self.session = session or new_token()
        self._app = TrustedHostMiddleware(
            _Guard(app, token, self.session), allowed_hosts=sorted(allowed_hosts), www_redirect=False
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


async def _refuse(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
