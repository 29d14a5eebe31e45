"""The HTTP API data plane: every deployed HTTP API served on its own port of 127.0.0.1.

Each API gets a port the first time it is seen, recorded in ``http_apis.json`` under the cloud's data folder
and reused after restarts, so the ``ApiEndpoint`` a deploy printed stays valid. moto's ``apiEndpoint`` is set
to that URL, which is what GetApi (and so the deployer's output) reports.

One asyncio loop on a background thread runs one server (``http_server``) per API. A request is matched
against the API's routes (most specific wins), turned into a payload 2.0 event, run on the integration's
function in the function host, and mapped back, all as API Gateway does (``squall.runtime.apigw``). Route
tables are read again after an ``apigatewayv2`` change. A route with an authorizer runs it first
(``authorization``): a refusal answers 401, 403 or 500 as API Gateway does, and the function never runs.
Before any of that, ``http_guard`` refuses requests for another host and from browser origins the API's
CORS does not allow; ``http_server`` enforces API Gateway's size limits, read timeouts and a cap on open
connections.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse
from squall.host.authorization import Authorization, RouteAuthorization, route_authorizations
from squall.host.changes import ChangeWatch
from squall.host.functions import ACCOUNT_ID, FunctionHost, FunctionNotFound
from squall.host.http_guard import forbidden, is_loopback_host, refusal
from squall.host.http_server import ApiServer, ServerLimits
from squall.runtime import InvocationResult, TooManyRequests
from squall.runtime.apigw import (
    ApiInfo,
    CorsConfig,
    HttpRequest,
    HttpResponse,
    RouteTable,
    apply_cors,
    authorizer_refusal,
    build_event,
    internal_server_error,
    is_preflight,
    map_invocation,
    not_found,
    preflight_response,
    service_unavailable,
)

log = logging.getLogger(__name__)

PORTS_FILE = "http_apis.json"
_ids = random.Random()
DEFAULT_INTEGRATION_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Integration:
    function: str
    """The function ARN (or name) the route invokes."""
    timeout_s: float


@dataclass(frozen=True)
class ApiRoutes:
    api_id: str
    region: str
    table: RouteTable
    integrations: dict[str, Integration | None]
    """route key → integration (None: the route has no Lambda integration)."""
    cors: CorsConfig | None
    authorizations: dict[str, RouteAuthorization] = field(default_factory=dict)
    """route key → its authorizer (routes without one are public)."""


def function_from_uri(uri: str) -> str:
    """``arn:aws:apigateway:r:lambda:path/2015-03-31/functions/ARN/invocations`` or a plain ARN → the ARN."""
    if "/functions/" in uri:
        return uri.split("/functions/", 1)[1].removesuffix("/invocations")
    return uri


def cors_config(document: Any) -> CorsConfig | None:
    if not document:
        return None

    def values(*names: str) -> tuple[str, ...]:
        for name in names:
            if name in document:
                return tuple(str(v) for v in document[name])
        return ()

    max_age = document.get("MaxAge", document.get("maxAge"))
    return CorsConfig(
        allow_origins=values("AllowOrigins", "allowOrigins"),
        allow_methods=values("AllowMethods", "allowMethods"),
        allow_headers=values("AllowHeaders", "allowHeaders"),
        expose_headers=values("ExposeHeaders", "exposeHeaders"),
        max_age=int(max_age) if max_age is not None else None,
        allow_credentials=bool(document.get("AllowCredentials", document.get("allowCredentials", False))),
    )


def new_request_id() -> str:
    """An id shaped as API Gateway's (``JKJaXmPLvHcESHA=``); from a private generator, not the OS's."""
    return base64.b64encode(_ids.getrandbits(88).to_bytes(11, "big")).decode()


class PortBook:
    """api id → port, kept in a JSON file so an API keeps its URL across restarts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.ports: dict[str, int] = {k: int(v) for k, v in json.loads(path.read_text()).items()}
        except (OSError, ValueError):
            self.ports = {}

    def save(self) -> None:
        staging = self.path.with_suffix(".tmp")
        staging.write_text(json.dumps(self.ports, sort_keys=True))
        staging.replace(self.path)


def bind_socket(port: int) -> socket.socket:
    # IPPROTO_TCP spelled out: asyncio only sets TCP_NODELAY on accepted sockets whose protocol says TCP, and
    # without it every response on a kept-alive connection waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


class HttpApiService:
    """A background service of the local cloud: the servers, their ports and their route tables."""

    name = "http-apis"

    def __init__(self, host: FunctionHost) -> None:
        self.host = host
        self._ctx: CloudContext | None = None
        self._routes: dict[str, tuple[int, ApiRoutes]] = {}
        """api id → (the mutation number when read, its routes)."""
        self._route_changes = ChangeWatch(["apigatewayv2"])
        self._servers: dict[str, ApiServer] = {}
        self._loop = asyncio.new_event_loop()
        self._executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="http-api")
        self._ports: PortBook | None = None
        self._sync_lock = threading.RLock()
        self._limits = ServerLimits.from_environment()
        self._authorization: Authorization | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def ensure_started(self, ctx: CloudContext) -> None:
        with self._sync_lock:
            if self._ctx is not None:
                return
            self._ctx = ctx
            self._authorization = Authorization.for_cloud(ctx, self.host, self._executor)
            self.host.bind(ctx)
            self._ports = PortBook(ctx.data / PORTS_FILE)
            threading.Thread(target=self._loop.run_forever, name="http-api-loop", daemon=True).start()
            self.sync()

    def run(self, ctx: CloudContext) -> None:
        seen = ctx.mutations.last
        self.ensure_started(ctx)
        while not ctx.stopping.is_set():
            newest = ctx.mutations.wait(seen, timeout=0.5)
            if newest == seen:
                continue
            changes = ctx.mutations.since(seen)
            seen = newest
            if any(change.service in ("apigatewayv2", "awslambda") for change in changes) or not changes:
                self.sync()
        for server in self._servers.values():
            self._loop.call_soon_threadsafe(server.close)

    def sync(self) -> None:
        """Start servers for new APIs, stop those of deleted ones, and drop cached route tables."""
        with self._sync_lock:
            self._sync()

    def endpoint(self, api_id: str) -> str | None:
        assert self._ports is not None
        port = self._ports.ports.get(api_id)
        return f"http://127.0.0.1:{port}" if port else None

    def _sync(self) -> None:
        ctx, ports = self._ctx, self._ports
        assert ctx is not None and ports is not None
        apis: dict[str, str] = {}
        with ctx.locked():
            for region in self._regions():
                backend = ctx.backend("apigatewayv2", region, ACCOUNT_ID)
                for api in backend.apis.values():
                    if (api.protocol_type or "HTTP").upper() == "HTTP":
                        apis[api.api_id] = region
        self._routes = {}
        for api_id in list(self._servers):
            if api_id not in apis:
                self._loop.call_soon_threadsafe(self._servers.pop(api_id).close)
                ports.ports.pop(api_id, None)
        changed = False
        for api_id, region in apis.items():
            if api_id not in self._servers:
                port = self._start(api_id, ports.ports.get(api_id, 0))
                if ports.ports.get(api_id) != port:
                    ports.ports[api_id] = port
                    changed = True
            with ctx.locked():
                api = ctx.backend("apigatewayv2", region, ACCOUNT_ID).apis.get(api_id)
                if api is not None:
                    api.api_endpoint = f"http://127.0.0.1:{ports.ports[api_id]}"
        if changed:
            ports.save()

    def _regions(self) -> list[str]:
        return ["us-east-1", *sorted(r for r in self._known_regions() if r != "us-east-1")]

    def _known_regions(self) -> set[str]:
        assert self._ctx is not None
        try:
            from moto.apigatewayv2.models import apigatewayv2_backends

            return set(apigatewayv2_backends[ACCOUNT_ID].keys())
        except Exception:
            return {"us-east-1"}

    def _start(self, api_id: str, port: int) -> int:
        try:
            sock = bind_socket(port)
        except OSError:
            log.warning("port %s of API %s is taken; the API gets a new URL", port, api_id)
            sock = bind_socket(0)

        async def dispatch(request: HttpRequest) -> HttpResponse:
            return await self.handle(api_id, request)

        server = ApiServer(self._loop, sock, dispatch, self._limits)
        asyncio.run_coroutine_threadsafe(server.start(), self._loop).result(timeout=10)
        self._servers[api_id] = server
        return server.port

    # -- requests -----------------------------------------------------------------------------

    def routes(self, api_id: str) -> ApiRoutes | None:
        """The API's routes, read again when an ``apigatewayv2`` change was acknowledged since the last read.

        The background sync also drops them, but only after the change's response reached the client, which
        may already be sending a request to the new route.
        """
        ctx = self._ctx
        assert ctx is not None
        cached = self._routes.get(api_id)
        if cached is not None and self._route_changes.fresh(ctx.mutations, cached[0]):
            return cached[1]
        read_at = ctx.mutations.last
        with ctx.locked():
            for region in self._regions():
                api = ctx.backend("apigatewayv2", region, ACCOUNT_ID).apis.get(api_id)
                if api is None:
                    continue
                integrations: dict[str, Integration | None] = {}
                for route in api.routes.values():
                    target = route.target or ""
                    integration = api.integrations.get(target.removeprefix("integrations/"))
                    if integration is None or not integration.integration_uri:
                        integrations[route.route_key] = None
                        continue
                    timeout_ms = integration.timeout_in_millis or DEFAULT_INTEGRATION_TIMEOUT_MS
                    integrations[route.route_key] = Integration(
                        function_from_uri(integration.integration_uri), timeout_ms / 1000
                    )
                routes = ApiRoutes(
                    api_id,
                    region,
                    RouteTable(integrations),
                    integrations,
                    cors_config(api.cors_configuration),
                    route_authorizations(api),
                )
                self._routes[api_id] = (read_at, routes)
                return routes
        return None

    async def handle(self, api_id: str, request: HttpRequest) -> HttpResponse:
        port = request.port or 0  # every request comes through a server, which says its port
        if not is_loopback_host(_header(request, "host"), port):
            return forbidden()
        routes = self.routes(api_id)
        if routes is None:
            return not_found()
        if routes.cors is not None and is_preflight(request.method, request.headers):
            # API Gateway's own answer, invoking nothing: CORS headers only for an allowed origin.
            return preflight_response(routes.cors, request.headers)
        refused = refusal(request.headers, port, routes.cors)
        if refused is not None:
            return refused
        # The function sees the same id as requestContext.requestId that the client gets in this header.
        request_id = new_request_id()
        response = await self._invoke(routes, request, request_id)
        if routes.cors is not None:
            response = apply_cors(routes.cors, request.headers, response)
        response.headers.append(("apigw-requestid", request_id))
        return response

    async def _invoke(self, routes: ApiRoutes, request: HttpRequest, request_id: str) -> HttpResponse:
        match = routes.table.match(request.method, request.raw_path)
        if match is None:
            return not_found()
        integration = routes.integrations.get(match.route_key)
        if integration is None:
            return internal_server_error()
        event = build_event(
            request,
            ApiInfo(routes.api_id, ACCOUNT_ID, routes.region),
            request_id=request_id,
            time_epoch_ms=int(time.time() * 1000),
            route=match,
        )
        loop = asyncio.get_running_loop()
        guard = routes.authorizations.get(match.route_key)
        if guard is not None:
            assert self._authorization is not None
            where = (routes.region, routes.api_id, integration.function)
            status = await self._authorization.admit(guard, where, request, event, request_id)
            if status != 200:
                return authorizer_refusal(status)
        done: asyncio.Future[InvocationResult] = loop.create_future()
        function, region = integration.function, routes.region

        def run() -> None:
            # On the executor's thread; the invocation goes on when the integration times out.
            try:
                result = self.host.invoke(function, region, event)
            except BaseException as exc:
                loop.call_soon_threadsafe(_settle, done, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, done, result, None)

        self._executor.submit(run)
        timer = loop.call_later(integration.timeout_s, _settle, done, None, TimeoutError())
        try:
            result = await done
        except TimeoutError:
            return service_unavailable()
        except (TooManyRequests, FunctionNotFound):
            return internal_server_error()
        except Exception:
            log.exception("invoking %s failed", function)
            return internal_server_error()
        finally:
            timer.cancel()
        return map_invocation(result.payload, result.error_type)


def _header(request: HttpRequest, name: str) -> str | None:
    return next((v for k, v in request.headers if k.lower() == name), None)


def _settle(
    future: asyncio.Future[InvocationResult], result: InvocationResult | None, error: BaseException | None
) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert result is not None
        future.set_result(result)


class ApiEndpointClaims:
    """CreateApi and GetApi(s) answer with the local URL the API is served at, from the first response."""

    def __init__(self, service: HttpApiService) -> None:
        self.service = service

    def create(self, request: CloudRequest, ctx: CloudContext) -> CloudResponse:
        self.service.ensure_started(ctx)
        response = ctx.call(request)
        if response.status >= 300:
            return response
        self.service.sync()
        document = json.loads(response.body)
        endpoint = self.service.endpoint(str(document.get("apiId", "")))
        if endpoint:
            document["apiEndpoint"] = endpoint
        return CloudResponse(response.status, dict(response.headers), json.dumps(document).encode())

    def read(self, request: CloudRequest, ctx: CloudContext) -> CloudResponse:
        self.service.ensure_started(ctx)
        return ctx.call(request)
