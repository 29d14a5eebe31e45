"""``squall console``: serve the console for a stage on 127.0.0.1 and open it in a browser."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from squall.cli.options import project_options
from squall.config import load_project


@click.command()
@project_options
@click.option("--port", "-p", type=int, default=0, help="Port to listen on (default: a free one).")
@click.option("--no-open", is_flag=True, help="Print the URL without opening a browser.")
def console(stage: str | None, config: Path | None, port: int, no_open: bool) -> None:
    """Open the console for a stage: functions, invocations, logs, resources."""
    from squall.console import serve
    from squall.deploy import clients_for

    project = load_project(config, stage)
    graph = project.graph
    clients = clients_for("aws" if graph.target == "aws" else "local", graph.region)
    server = serve(project, clients=clients, port=port).start()
    click.echo(f"Console for {graph.app} / {graph.stage}: {server.url}")
    if not no_open:
        webbrowser.open(server.url)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
