"""The console's HTTP surface: the static pages, a JSON API over ``StageConsole`` and two event streams.

Blocking calls (boto3) run in starlette's thread pool (plain ``def`` endpoints); the streams are async and
read from ``Broadcaster`` subscriptions. Everything sits behind ``TokenGuard``; the page it serves carries the
session value its script sends with every change.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from squall.console.auth import LOOPBACK_HOSTS, SESSION_META, TokenGuard, new_token
from squall.console.broadcast import Broadcaster, Subscription
from squall.console.errors import BadRequest, ConsoleError, NotFound
from squall.console.issues import STATUSES
from squall.console.service import StageConsole
from squall.console.store import InvocationQuery
from squall.logs.filter_pattern import FilterPattern, FilterPatternError, compile_pattern
from squall.logs.tracebacks import folded_json, parse_frames

STATIC = Path(__file__).parent / "static"
HEARTBEAT_SECONDS = 10.0


def _int(request: Request, name: str, default: int) -> int:
    try:
        return int(request.query_params.get(name, default))
    except ValueError as exc:
        raise BadRequest(f"{name} must be a number") from exc


def _body_json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null", parse_float=Decimal)
    except ValueError as exc:
        raise BadRequest(f"the body is not JSON: {exc}") from exc


def _pattern(text: str) -> FilterPattern:
    try:
        return compile_pattern(text)
    except FilterPatternError as exc:
        raise BadRequest(str(exc)) from exc


def _plain_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda d: float(d) if isinstance(d, Decimal) else str(d)))


def _sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, default=str)}\n\n".encode()


async def _stream(
    request: Request,
    console: StageConsole,
    broadcaster: Broadcaster[Any],
    first: Callable[[], list[Any]],
    keep: Callable[[Any], bool],
    encode: Callable[[Any], Any],
) -> AsyncIterator[bytes]:
    subscription: Subscription[Any] = broadcaster.subscribe()
    try:
        yield b": connected\n\n"
        for item in first():
            if keep(item):
                yield _sse(encode(item))
        while not console.closing.is_set():
            try:
                item = await asyncio.wait_for(subscription.queue.get(), timeout=HEARTBEAT_SECONDS / 10)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                continue
            if keep(item):
                yield _sse(encode(item))
    finally:
        broadcaster.unsubscribe(subscription)


def build_app(
    console: StageConsole,
    token: str,
    allowed_hosts: frozenset[str] = LOOPBACK_HOSTS,
    session: str | None = None,
) -> Starlette:
    """The console's ASGI app; ``session`` is the value writes must carry (a new one when not given)."""
    session = session or new_token()
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    page = page.replace(
        f'<meta name="{SESSION_META}" content="">', f'<meta name="{SESSION_META}" content="{session}">'
    )

    async def index(request: Request) -> Response:
        headers = {"cache-control": "no-store", "content-security-policy": "frame-ancestors 'none'"}
        return HTMLResponse(page, headers=headers)

    def stage(request: Request) -> Response:
        return JSONResponse(console.stage())

    def outputs(request: Request) -> Response:
        return JSONResponse(console.outputs())

    def secrets(request: Request) -> Response:
        return JSONResponse({"secrets": console.secrets()})

    def functions(request: Request) -> Response:
        return JSONResponse({"functions": console.function_list()})

    def invocations(request: Request) -> Response:
        status = request.query_params.get("status", "all")
        if status not in ("all", "ok", "error"):
            raise BadRequest("status is all, ok or error")
        query = InvocationQuery(
            function=request.query_params.get("function") or None,
            status=status,  # type: ignore[arg-type]
            text=request.query_params.get("q", ""),
            limit=_int(request, "limit", 50_000),
        )
        return JSONResponse(console.store.summaries(query))

    def invocation(request: Request) -> Response:
        record = console.store.get(request.path_params["request_id"])
        if record is None:
            raise NotFound("no such invocation")
        document = record.to_json()
        if record.error and isinstance(record.response, dict):
            document["trace"] = folded_json(parse_frames(record.response.get("stackTrace")))
        return JSONResponse(_plain_json(document))

    def logs(request: Request) -> Response:
        start = request.query_params.get("start")
        end = request.query_params.get("end")
        return JSONResponse(
            console.search_logs(
                request.query_params.get("q", ""),
                request.query_params.get("function") or None,
                _int(request, "start", 0) if start else None,
                _int(request, "end", 0) if end else None,
                _int(request, "limit", 2000),
            )
        )

    def deploys(request: Request) -> Response:
        return JSONResponse({"deploys": console.deploys()})

    def issues(request: Request) -> Response:
        status = request.query_params.get("status", "open")
        if status not in ("all", *STATUSES):
            raise BadRequest("status is all, open, resolved or ignored")
        return JSONResponse({"issues": console.issues.list(status)})

    def issue(request: Request) -> Response:
        found = console.issues.get(request.path_params["id"])
        if found is None:
            raise NotFound("no such issue")
        return JSONResponse(found)

    async def issue_decide(request: Request) -> Response:
        body = _body_json(await request.body())
        status = body.get("status") if isinstance(body, dict) else None
        if status not in STATUSES:
            raise BadRequest("send {'status': 'resolved'}, 'ignored' or 'open'")
        decided = console.issues.decide(request.path_params["id"], status)
        if decided is None:
            raise NotFound("no such issue")
        return JSONResponse(decided)

    async def invocation_stream(request: Request) -> Response:
        stream = _stream(request, console, console.invocations, list, lambda _: True, lambda s: s)
        return StreamingResponse(
            stream, media_type="text/event-stream", headers={"cache-control": "no-store"}
        )

    async def log_stream(request: Request) -> Response:
        wanted = request.query_params.get("function") or None
        matcher = _pattern(request.query_params.get("q", ""))
        console.log_tail.want()
        stream = _stream(
            request,
            console,
            console.log_tail.broadcaster,
            console.log_tail.backlog,
            lambda line: (wanted is None or line.function == wanted) and matcher.matches(line.message),
            lambda line: line.to_json(),
        )
        return StreamingResponse(
            stream, media_type="text/event-stream", headers={"cache-control": "no-store"}
        )

    def sample(request: Request) -> Response:
        kind = request.query_params.get("kind") or None
        return JSONResponse({"event": console.sample(request.path_params["function"], kind)})

    async def invoke(request: Request) -> Response:
        event = _plain_json(_body_json(await request.body()))
        return JSONResponse(
            _plain_json(await _threaded(console.invoke, request.path_params["function"], event))
        )

    def table(request: Request) -> Response:
        tables, name = console.table(request.path_params["id"])
        return JSONResponse(tables.schema(name))

    def table_items(request: Request) -> Response:
        tables, name = console.table(request.path_params["id"])
        page = tables.scan(name, limit=_int(request, "limit", 100), cursor=request.query_params.get("cursor"))
        return JSONResponse(page)

    async def table_query(request: Request) -> Response:
        body = _body_json(await request.body()) or {}
        tables, name = console.table(request.path_params["id"])
        if body.get("partition") in (None, ""):
            raise BadRequest("a query needs the partition key's value")
        return JSONResponse(await _threaded(tables.query, name, body["partition"], body.get("sort")))

    async def table_put(request: Request) -> Response:
        item = _body_json(await request.body())
        tables, name = console.table(request.path_params["id"])
        await _threaded(tables.put, name, item)
        return JSONResponse({"ok": True})

    async def table_delete(request: Request) -> Response:
        key = _body_json(await request.body())
        if not isinstance(key, dict):
            raise BadRequest("the key must be a JSON object")
        tables, name = console.table(request.path_params["id"])
        await _threaded(tables.delete, name, _plain_json(key))
        return JSONResponse({"ok": True})

    def bucket_objects(request: Request) -> Response:
        buckets, name = console.bucket(request.path_params["id"])
        prefix = request.query_params.get("prefix", "")
        # The page cursor is ``cursor``, as for tables: ``token`` is the console's own token.
        cursor = request.query_params.get("cursor") or None
        return JSONResponse(
            buckets.list(name, prefix=prefix, token=cursor, limit=_int(request, "limit", 1000))
        )

    def bucket_download(request: Request) -> Response:
        buckets, name = console.bucket(request.path_params["id"])
        key = request.query_params.get("key", "")
        chunks, content_type, length = buckets.download(name, key)
        filename = key.rsplit("/", 1)[-1].replace('"', "") or "object"
        headers = {"content-disposition": f'attachment; filename="{filename}"', "content-length": str(length)}
        return StreamingResponse(chunks, media_type=content_type, headers=headers)

    async def bucket_upload(request: Request) -> Response:
        buckets, name = console.bucket(request.path_params["id"])
        data = await request.body()
        key = request.query_params.get("key", "")
        await _threaded(buckets.upload, name, key, data, request.headers.get("content-type"))
        return JSONResponse({"ok": True})

    def bucket_delete(request: Request) -> Response:
        buckets, name = console.bucket(request.path_params["id"])
        buckets.delete(name, request.query_params.get("key", ""))
        return JSONResponse({"ok": True})

    def queue(request: Request) -> Response:
        queues, name = console.queue(request.path_params["id"])
        return JSONResponse(queues.describe(name))

    def queue_peek(request: Request) -> Response:
        queues, name = console.queue(request.path_params["id"])
        return JSONResponse({"messages": queues.peek(name)})

    async def queue_send(request: Request) -> Response:
        body = _body_json(await request.body()) or {}
        queues, name = console.queue(request.path_params["id"])
        text = body.get("body")
        if not isinstance(text, str):
            raise BadRequest("send {'body': 'text'}")
        message_id = await _threaded(queues.send, name, text, body.get("group"))
        return JSONResponse({"messageId": message_id})

    async def console_error(request: Request, exc: Exception) -> Response:
        status = exc.status if isinstance(exc, ConsoleError) else 502
        if isinstance(exc, ClientError):
            message = (
                f"{exc.response.get('Error', {}).get('Code')}: {exc.response.get('Error', {}).get('Message')}"
            )
        else:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return JSONResponse({"error": message}, status_code=status)

    routes = [
        Route("/", index),
        Route("/api/stage", stage),
        Route("/api/outputs", outputs),
        Route("/api/secrets", secrets),
        Route("/api/functions", functions),
        Route("/api/invocations", invocations),
        Route("/api/invocations/stream", invocation_stream),
        Route("/api/invocations/{request_id}", invocation),
        Route("/api/logs/stream", log_stream),
        Route("/api/logs", logs),
        Route("/api/deploys", deploys),
        Route("/api/issues", issues),
        Route("/api/issues/{id}", issue),
        Route("/api/issues/{id}", issue_decide, methods=["POST"]),
        Route("/api/functions/{function}/sample", sample),
        Route("/api/functions/{function}/invoke", invoke, methods=["POST"]),
        Route("/api/tables/{id}", table),
        Route("/api/tables/{id}/items", table_items),
        Route("/api/tables/{id}/items", table_put, methods=["PUT"]),
        Route("/api/tables/{id}/query", table_query, methods=["POST"]),
        Route("/api/tables/{id}/delete", table_delete, methods=["POST"]),
        Route("/api/buckets/{id}/objects", bucket_objects),
        Route("/api/buckets/{id}/object", bucket_download),
        Route("/api/buckets/{id}/object", bucket_upload, methods=["PUT"]),
        Route("/api/buckets/{id}/object", bucket_delete, methods=["DELETE"]),
        Route("/api/queues/{id}", queue),
        Route("/api/queues/{id}/peek", queue_peek, methods=["POST"]),
        Route("/api/queues/{id}/send", queue_send, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(TokenGuard, token=token, session=session, allowed_hosts=allowed_hosts)],
        exception_handlers={
            ConsoleError: console_error,
            ClientError: console_error,
            BotoCoreError: console_error,
        },
    )


async def _threaded(fn: Callable[..., Any], *args: Any) -> Any:
    return await run_in_threadpool(fn, *args)
