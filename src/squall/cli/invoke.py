"""``squall invoke FN [--event FILE]``: invoke a deployed function and print its result."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import click

from squall.cli.options import project_options
from squall.errors import SquallError


def read_event(source: str | None) -> bytes:
    if source is None:
        return b"{}"
    raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    try:
        json.loads(raw or b"null")
    except ValueError as exc:
        raise SquallError(f"the event in {source} is not JSON: {exc}") from exc
    return raw


@click.command()
@project_options
@click.argument("function")
@click.option(
    "--event", "-e", "event", default=None, metavar="FILE", help="A JSON event (- for stdin); default {}."
)
@click.option("--logs/--no-logs", default=True, help="Print the invocation's log tail to stderr.")
def invoke(stage: str | None, config: Path | None, function: str, event: str | None, logs: bool) -> None:
    """Invoke FUNCTION (its id, e.g. ApiGetCode, or its full name) and print the result."""
    from botocore.exceptions import ClientError

    from squall.cli.functions import find_function
    from squall.config import load_project
    from squall.deploy import clients_for

    project = load_project(config, stage)
    resource = find_function(project.graph, function)
    clients = clients_for(project.app.target, project.graph.region)
    try:
        response = clients("lambda").invoke(
            FunctionName=resource.physical_name, Payload=read_event(event), LogType="Tail"
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise SquallError(
            f"invoking {resource.logical_id} failed: {error.get('Code')}: {error.get('Message')}",
            hint=f"is the stage deployed? squall deploy --stage {project.graph.stage}",
        ) from exc
    if logs and response.get("LogResult"):
        tail = base64.b64decode(response["LogResult"]).decode("utf-8", "replace")
        click.echo(tail.rstrip().replace("\r", "\n"), err=True)  # a logging record's lines as lines
    payload = response["Payload"].read()
    try:
        click.echo(json.dumps(json.loads(payload), indent=2))
    except ValueError:
        click.echo(payload.decode("utf-8", "replace"))
    if response.get("FunctionError"):
        sys.exit(1)
