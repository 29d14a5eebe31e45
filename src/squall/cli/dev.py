"""``squall dev``: the stage deployed with live functions from the source tree, reloaded on save."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

import click

from squall.cli.options import project_options
from squall.errors import SquallError

LOGS_VARIABLE = "SQUALL_DEV_LOGS"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def show_logs(flag: bool | None, environ: Mapping[str, str]) -> bool:
    """Whether the dev terminal shows handler output: ``--logs/--no-logs``, then $SQUALL_DEV_LOGS, then yes."""
    if flag is not None:
        return flag
    value = environ.get(LOGS_VARIABLE, "").strip().lower()
    if not value or value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SquallError(
        f"${LOGS_VARIABLE}={environ[LOGS_VARIABLE]!r} is neither yes nor no",
        hint="use 1 or 0, or --logs/--no-logs",
    )


@click.command()
@project_options
@click.option(
    "--debug",
    "debug",
    is_flag=False,
    flag_value="*",
    default=None,
    metavar="[FUNCTION]",
    help="Run FUNCTION's worker (every function's, without a name) under debugpy on 127.0.0.1.",
)
@click.option(
    "--console/--no-console", "with_console", default=True, help="Serve the console (default: yes)."
)
@click.option(
    "--logs/--no-logs",
    "logs",
    default=None,
    help="Show each invocation's output under its line (default: $SQUALL_DEV_LOGS, then yes).",
)
def dev(
    stage: str | None, config: Path | None, debug: str | None, with_console: bool, logs: bool | None
) -> None:
    """Deploy the stage with live functions and reload them on every save (Ctrl-C to stop)."""
    from squall.binding.types import write_types
    from squall.config import Project, load_project
    from squall.console import ConsoleServer, InvocationRecord, LiveFeed
    from squall.console.address import serve_remembered
    from squall.deploy import clients_for
    from squall.dev.session import DevSession
    from squall.dev.view import TerminalView
    from squall.runtime import InvocationResult

    project = load_project(config, stage)
    write_types(project.app)
    view = TerminalView(show_logs=show_logs(logs, os.environ))
    view.info(f"Starting {project.graph.app} / {project.graph.stage}…")
    clients = clients_for(project.app.target, project.graph.region)
    feed = LiveFeed()

    def publish(function: str, event: object, result: InvocationResult) -> None:
        feed.publish(InvocationRecord.of(function, event, result, int(time.time() * 1000)))

    console: ConsoleServer | None = None

    def show_project(changed: Project) -> None:
        if console is not None:
            console.console.update_project(changed)

    session = DevSession(
        project,
        clients=clients,
        view=view,
        debug=debug,
        config=config,
        listeners=[publish],
        on_project=show_project,
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, request_stop)
    try:
        session.start()
        if with_console:
            console = serve_remembered(
                project, clients=clients, live_feed=feed, on_issue=view.new_issue
            ).start()
        view.header(
            project.graph.app,
            project.graph.stage,
            project.app.target,
            session.outputs,
            console.url if console else None,
        )
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        view.info("Stopping…")
        if console is not None:
            console.stop()
        session.stop()
        view.info("Stopped. The stage stays deployed.")
