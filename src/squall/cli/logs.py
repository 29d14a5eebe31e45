"""``squall logs [FN] [--follow]``: a function's CloudWatch logs, or every function's of the stage, interleaved."""

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


def show(event: dict[str, Any], prefix: str = "") -> None:
    stamp = time.strftime("%H:%M:%S", time.localtime(event["timestamp"] / 1000))
    # A logging record is one event with "\r" between its lines: a terminal would print them over each other.
    first, *rest = event["message"].rstrip().replace("\r\n", "\n").replace("\r", "\n").split("\n")
    click.echo(f"{stamp}  {prefix}{first}")
    for line in rest:  # under the first, aligned
        click.echo(f"{' ' * len(stamp)}  {prefix}{line}")


def merged(batches: list[tuple[str, list[dict[str, Any]]]]) -> list[tuple[str, dict[str, Any]]]:
    """Several functions' new events as one list in time order, each with its function's id."""
    every = [(name, event) for name, events in batches for event in events]
    every.sort(key=lambda item: (item[1]["timestamp"], item[1].get("ingestionTime", 0)))
    return every


@click.command()
@project_options
@click.argument("function", required=False)
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines (Ctrl-C to stop).")
@click.option("--since", default="1h", show_default=True, help="How far back to start, such as 10m or 2h.")
def logs(stage: str | None, config: Path | None, function: str | None, follow: bool, since: str) -> None:
    """Print FUNCTION's logs, or every function's of the stage, in time order.

    FUNCTION is a function's id (such as ApiGetCode) or its full name. Without it, the lines of every function
    of the stage are interleaved in time order, each prefixed by its function's id.
    """
    from squall.cli.functions import find_function
    from squall.config import load_project
    from squall.deploy import clients_for

    project = load_project(config, stage)
    if function is not None:
        resources = [find_function(project.graph, function)]
    else:
        resources = sorted(project.graph.of_type("AWS::Lambda::Function"), key=lambda r: r.logical_id)
        if not resources:
            raise SquallError("the app defines no function, so there are no logs to show")
    client = clients_for(project.app.target, project.graph.region)("logs")
    width = max(len(r.logical_id) for r in resources)
    prefixes = {
        r.logical_id: "" if function is not None else f"{r.logical_id.ljust(width)} │ " for r in resources
    }
    groups = {r.logical_id: f"/aws/lambda/{r.physical_name}" for r in resources}
    begin = parse_since(since)
    starts = dict.fromkeys(groups, begin)
    seen: dict[str, set[str]] = {name: set() for name in groups}

    def poll() -> int:
        batches = []
        for name, group in groups.items():
            events, starts[name] = fetch(client, group, starts[name], seen[name])
            batches.append((name, events))
        shown = merged(batches)
        for name, event in shown:
            show(event, prefixes[name])
        return len(shown)

    if not poll() and not follow:
        what = resources[0].logical_id if function is not None else "any function of the stage"
        click.echo(f"No logs for {what} since {since}.", err=True)
    try:
        while follow:
            time.sleep(POLL_SECONDS)
            poll()
    except KeyboardInterrupt:
        pass
