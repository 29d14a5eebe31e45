"""Live functions: invocations of a dev session's functions are forwarded to that session.

``squall dev`` registers itself (``PUT /_squall/live/{session}`` with its URL and function names) and
renews the registration every few seconds. While it is registered, every way a function is reached (the
Invoke API, HTTP APIs, event sources) runs the function in the session's workers, from the source tree.
A session that stops renewing, or cannot be reached, is dropped, and the deployed code runs again.

Both directions carry the home's own key: the front door lets only requests signed with it reach
``/_squall/live/`` (so nothing else on the machine can register, list or remove a session), a session's
URL must be loopback, and each forwarded invocation is signed the same way (service ``squall``), so the
session's live server can refuse anyone else's.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from squall.cloud.auth.hosts import is_loopback_url
from squall.cloud.auth.keys import AccessKey
from squall.cloud.auth.sigv4 import sign_headers
from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse
from squall.runtime import InvocationResult

log = logging.getLogger(__name__)
PATH_PREFIX = "/_squall/live/"
LEASE_SECONDS = 15.0
FORWARD_TIMEOUT = 960.0  # longer than any function timeout (900 s); the session enforces the real one


@dataclass(frozen=True)
class Session:
    id: str
    url: str
    functions: frozenset[str]
    expires: float


class SessionGone(Exception):
    """The dev session did not answer; the caller falls back to the deployed code."""


class _NoDelayConnection(http.client.HTTPConnection):
    """Small request frames go out at once (no Nagle wait for the peer's delayed ACK)."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class LiveRegistry:
    def __init__(
        self,
        key: Callable[[], AccessKey],
        clock: Any = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """``key`` gives the home's key pair, which signs every forwarded invocation."""
        self._key = key
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._local = threading.local()

    # -- registration (the claim on /_squall/live/) ------------------------------------------

    def handle(self, request: CloudRequest, ctx: CloudContext) -> CloudResponse:
        session_id = request.path[len(PATH_PREFIX) :].strip("/")
        if not session_id:
            with self._lock:
                live = {s.id: {"url": s.url, "functions": sorted(s.functions)} for s in self._live()}
            return CloudResponse.json(200, {"sessions": live})
        if request.method == "DELETE":
            with self._lock:
                self._sessions.pop(session_id, None)
            return CloudResponse(204)
        if request.method != "PUT":
            return CloudResponse.aws_error(405, "MethodNotAllowed", "use PUT or DELETE")
        try:
            document = json.loads(request.body)
            session = Session(
                session_id,
                str(document["url"]),
                frozenset(str(name) for name in document["functions"]),
                self._clock() + LEASE_SECONDS,
            )
        except (ValueError, KeyError, TypeError):
            return CloudResponse.aws_error(
                400, "ValidationException", 'expected {"url": ..., "functions": [...]}'
            )
        if not is_loopback_url(session.url):
            return CloudResponse.aws_error(
                400,
                "ValidationException",
                f"a live session's url must be http://127.0.0.1:PORT (or localhost, [::1]), not {session.url!r}",
            )
        with self._lock:
            self._sessions[session_id] = session
        return CloudResponse.json(200, {"session": session_id, "lease_seconds": LEASE_SECONDS})

    def _live(self) -> list[Session]:
        now = self._clock()
        for key in [k for k, s in self._sessions.items() if s.expires < now]:
            del self._sessions[key]
        return list(self._sessions.values())

    def session_for(self, function_name: str) -> Session | None:
        with self._lock:
            for session in self._live():
                if function_name in session.functions:
                    return session
        return None

    def drop(self, session: Session) -> None:
        with self._lock:
            if self._sessions.get(session.id) == session:
                del self._sessions[session.id]

    # -- forwarding ---------------------------------------------------------------------------

    def _connection(self, url: str) -> http.client.HTTPConnection:
        connections: dict[str, http.client.HTTPConnection] = getattr(self._local, "connections", {})
        self._local.connections = connections
        connection = connections.get(url)
        if connection is None:
            parts = urlsplit(url)
            connection = _NoDelayConnection(
                parts.hostname or "127.0.0.1", parts.port, timeout=FORWARD_TIMEOUT
            )
            connections[url] = connection
        return connection

    def tell(self, session: Session, function_name: str, lines: list[str]) -> None:
        """Show ``lines`` (IAM denial notes of a live function) in the dev session; best effort, on a
        connection of its own (denials are rare)."""
        body = json.dumps({"function": function_name, "lines": lines}).encode()
        parts = urlsplit(session.url)
        connection = _NoDelayConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
        try:
            connection.request("POST", "/denials", body, self._signed(session, "/denials", body))
            connection.getresponse().read()
        except (OSError, http.client.HTTPException) as exc:
            log.warning("could not tell the dev session %s what IAM denied: %s", session.id, exc)
        finally:
            connection.close()

    def _signed(self, session: Session, path: str, body: bytes) -> dict[str, str]:
        parts = urlsplit(session.url)
        headers = {"host": parts.netloc, "content-type": "application/json"}
        key = self._key()
        headers.update(
            sign_headers(
                method="POST",
                path=path,
                query="",
                headers=headers,
                body=body,
                access_key_id=key.access_key_id,
                secret_access_key=key.secret_access_key,
                region="us-east-1",
                service="squall",
                now=self._wall_clock(),
            )
        )
        return headers

    def forward(
        self, session: Session, function_name: str, event: Any, request_id: str | None
    ) -> InvocationResult:
        body = json.dumps({"function": function_name, "event": event, "request_id": request_id}).encode()
        headers = self._signed(session, "/invoke", body)
        for attempt in (1, 2):  # a kept-alive connection may have been closed by the session: reconnect once
            connection = self._connection(session.url)
            try:
                connection.request("POST", "/invoke", body, headers)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                self._local.connections.pop(session.url, None)
                if attempt == 2:
                    self.drop(session)
                    raise SessionGone(str(exc)) from exc
                continue
            if response.status != 200:
                self.drop(session)
                raise SessionGone(f"the dev session answered {response.status}: {data[:200]!r}")
            document = json.loads(data)
            document["log_events"] = tuple(
                (int(at), str(text)) for at, text in document.get("log_events", ())
            )
            return InvocationResult(**document)
        raise SessionGone("unreachable")
