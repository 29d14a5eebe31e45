"""``squall logs FN [--follow]``: a function's CloudWatch logs."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import click

from squall.cli.options import project_options
from squall.errors import SquallError

POLL_SECONDS = 0.5
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> int:
    """``10m`` → epoch milliseconds ten minutes ago."""
    match = re.fullmatch(r"(\d+)([smhd])", text)
    if not match:
        raise SquallError(f"--since {text!r}: use a number and a unit, e.g. 30s, 10m, 2h, 1d")
    return int((time.time() - int(match.group(1)) * UNITS[match.group(2)]) * 1000)


def fetch(client: Any, group: str, start: int, seen: set[str]) -> tuple[list[dict[str, Any]], int]:
    """New events since ``start`` (each once), and the start for the next poll."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"logGroupName": group, "startTime": start}
    while True:
        try:
            page = client.filter_log_events(**kwargs)
        except client.exceptions.ResourceNotFoundException:
            return [], start
        for event in page.get("events", []):
            if event["eventId"] not in seen:
                seen.add(event["eventId"])
                events.append(event)
        token = page.get("nextToken")
        if not token:
            break
        kwargs["nextToken"] = token
    events.sort(key=lambda e: (e["timestamp"], e.get("ingestionTime", 0)))
    newest = max([start, *(e["timestamp"] for e in events)])
    return events, newest


def show(event: dict[str, Any]) -> None:
    stamp = time.strftime("%H:%M:%S", time.localtime(event["timestamp"] / 1000))
    # A logging record is one event with \r between its lines: printed as those lines, aligned.
    text = event["message"].rstrip().replace("\r", "\n" + " " * (len(stamp) + 2))
    click.echo(f"{stamp}  {text}")


@click.command()
@project_options
@click.argument("function")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines (Ctrl-C to stop).")
@click.option("--since", default="1h", show_default=True, help="How far back to start, e.g. 10m, 2h.")
def logs(stage: str | None, config: Path | None, function: str, follow: bool, since: str) -> None:
    """Print FUNCTION's logs (its id, e.g. ApiGetCode, or its full name)."""
    from squall.cli.functions import find_function
    from squall.config import load_project
    from squall.deploy import clients_for

    project = load_project(config, stage)
    resource = find_function(project.graph, function)
    client = clients_for(project.app.target, project.graph.region)("logs")
    group = f"/aws/lambda/{resource.physical_name}"
    start = parse_since(since)
    seen: set[str] = set()
    events, start = fetch(client, group, start, seen)
    for event in events:
        show(event)
    if not events and not follow:
        click.echo(f"No logs for {resource.logical_id} since {since}.", err=True)
    try:
        while follow:
            time.sleep(POLL_SECONDS)
            events, start = fetch(client, group, start, seen)
            for event in events:
                show(event)
    except KeyboardInterrupt:
        pass
