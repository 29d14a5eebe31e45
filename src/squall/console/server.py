"""Running the console: uvicorn in a background thread on 127.0.0.1, on a socket bound up front.

Binding before starting means ``ConsoleServer.url`` (with the port the OS chose and the token) is known as
soon as ``serve`` returns, and ``start`` cannot fail on a taken port later.
"""

from __future__ import annotations

import socket
import threading
from urllib.parse import quote

import uvicorn

from squall.config.loader import Project
from squall.console.app import build_app
from squall.console.auth import new_token
from squall.console.errors import ConsoleError
from squall.console.feed import LiveFeed
from squall.console.service import NewIssue, StageConsole
from squall.deploy.clients import Clients

STARTUP_SECONDS = 10.0


class ConsoleServer:
    """A console for one stage. ``start()`` returns once it accepts connections; ``stop()`` ends it."""

    def __init__(self, console: StageConsole, sock: socket.socket, token: str) -> None:
        self.console = console
        self.token = token
        self._socket = sock
        host, port = sock.getsockname()[:2]
        self.host: str = host
        self.port: int = port
        config = uvicorn.Config(
            build_app(console, token),
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The address to open, token included."""
        return f"http://{self.host}:{self.port}/?token={quote(self.token)}"

    def start(self) -> ConsoleServer:
        if self._thread is not None:
            return self
        self.console.start()
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="squall-console", daemon=True
        )
        self._thread.start()
        ready = threading.Event()

        def wait() -> None:
            while not self._server.started and self._thread is not None and self._thread.is_alive():
                ready.wait(0.01)
            ready.set()

        wait()
        if not self._server.started:
            self.stop()
            raise ConsoleError("the console server did not start")
        return self

    def stop(self) -> None:
        self.console.stop()
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=STARTUP_SECONDS)
            self._thread = None
        self._socket.close()

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C in the CLI)."""
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> ConsoleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(
    project: Project,
    *,
    clients: Clients,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
    live_feed: LiveFeed | None = None,
    on_issue: NewIssue | None = None,
) -> ConsoleServer:
    """A console for ``project``'s stage over ``clients``; call ``.start()`` to run it."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ConsoleError(f"the console listens on 127.0.0.1 only, not {host}")
    family = socket.AF_INET6 if host == "::1" else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1" if host == "localhost" else host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConsoleError(
            f"cannot listen on {host}:{port}: {exc.strerror}", hint="pick another --port"
        ) from exc
    sock.setblocking(False)
    return ConsoleServer(
        StageConsole(project, clients, live_feed, on_issue=on_issue), sock, token or new_token()
    )
