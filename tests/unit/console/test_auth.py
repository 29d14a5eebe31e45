"""The token guard: 401 without the token, a cookie after the URL with it, loopback hosts and the console's own
port only, browser requests from the console's own origin only, writes with the page's session header only.

The guard is driven as a plain ASGI callable: no server, no HTTP client.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from starlette.types import Message, Receive, Scope, Send

from squall.console.auth import HEADER, SESSION_HEADER, TokenGuard, cookie_name

TOKEN = "s3cret-token"
SESSION = "per-session-value"
PORT = 8123


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello"})


def get(path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Answer:
    raw_path, _, query = path.partition("?")
    all_headers = {"host": f"127.0.0.1:{PORT}", **(headers or {})}
    scope: Scope = {
        "type": "http",
        "method": method,
        "path": raw_path,
        "query_string": query.encode(),
        "headers": [(k.encode(), v.encode()) for k, v in all_headers.items()],
        "server": ("127.0.0.1", PORT),
    }
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    # On a thread of its own: a browser test in the same pytest worker may hold this thread's event loop.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, TokenGuard(hello, TOKEN, SESSION)(scope, receive, send)).result()
    start = messages[0]
    return Answer(
        start["status"],
        {k.decode(): v.decode() for k, v in start.get("headers", [])},
        b"".join(m.get("body", b"") for m in messages[1:]),
    )


def test_without_the_token_every_path_answers_401() -> None:
    for path in ("/", "/api/functions", "/static/js/main.js", "/?token=wrong"):
        assert get(path).status == 401
    assert get("/", {HEADER: "wrong"}).status == 401
    assert get("/", {"cookie": f"{cookie_name(PORT)}=wrong"}).status == 401
    assert get("/", {"cookie": f"{cookie_name(PORT + 1)}={TOKEN}"}).status == 401


def test_the_token_in_the_url_sets_a_cookie_that_opens_later_requests() -> None:
    first = get(f"/?token={TOKEN}")
    assert (first.status, first.body) == (200, b"hello")
    set_cookie = first.headers["set-cookie"]
    assert set_cookie.startswith(f"{cookie_name(PORT)}={TOKEN};")
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    later = get("/api/functions", {"cookie": f"other=1; {cookie_name(PORT)}={TOKEN}"})
    assert later.status == 200
    assert "set-cookie" not in later.headers


def test_a_header_token_works_for_scripts() -> None:
    assert get("/api/functions", {HEADER: TOKEN}).status == 200


def test_requests_for_another_host_name_are_refused_even_with_the_token() -> None:
    assert get(f"/?token={TOKEN}", {"host": "evil.example:8123"}).status == 400
    assert get(f"/?token={TOKEN}", {"host": "127.0.0.1.evil.example:8123"}).status == 400
    assert get(f"/?token={TOKEN}", {"host": f"localhost:{PORT}"}).status == 200


def test_requests_for_another_port_are_refused_even_with_the_token() -> None:
    assert get(f"/?token={TOKEN}", {"host": f"127.0.0.1:{PORT + 1}"}).status == 403
    assert get(f"/?token={TOKEN}", {"host": "127.0.0.1"}).status == 403


def test_browser_requests_from_another_origin_are_refused_even_with_the_cookie() -> None:
    cookie = {"cookie": f"{cookie_name(PORT)}={TOKEN}"}
    for headers in (
        {"origin": f"http://127.0.0.1:{PORT + 1}"},
        {"origin": "null"},
        {"origin": f"http://localhost:{PORT}"},  # not the host this request named
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "cross-site"},
    ):
        assert get("/api/functions", {**cookie, **headers}).status == 403, headers
    for headers in (
        {"origin": f"http://127.0.0.1:{PORT}"},
        {"sec-fetch-site": "same-origin"},
        {"sec-fetch-site": "none"},
    ):
        assert get("/api/functions", {**cookie, **headers}).status == 200, headers


def test_writes_need_the_session_header_of_the_page() -> None:
    cookie = {"cookie": f"{cookie_name(PORT)}={TOKEN}", "origin": f"http://127.0.0.1:{PORT}"}
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        assert get("/api/queues/q/send", cookie, method).status == 403, method
        assert get("/api/queues/q/send", {**cookie, SESSION_HEADER: "wrong"}, method).status == 403, method
        assert get("/api/queues/q/send", {**cookie, SESSION_HEADER: SESSION}, method).status == 200, method
    assert get("/api/queues/q/send", {HEADER: TOKEN}, "POST").status == 403
    assert get("/api/functions", cookie, "HEAD").status == 200


def test_the_bucket_cursor_in_the_query_is_not_taken_for_the_token() -> None:
    cookie = {"cookie": f"{cookie_name(PORT)}={TOKEN}"}
    assert get("/api/buckets/b/objects?cursor=abc&limit=10", cookie).status == 200
