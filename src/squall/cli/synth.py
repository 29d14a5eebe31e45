"""``squall synth``: print the resource graph the app produces, without any cloud call."""

from __future__ import annotations

from pathlib import Path

import click

from squall.binding.types import write_types
from squall.cli.options import project_options
from squall.config import load_project


@click.command()
@project_options
@click.option("--json", "as_json", is_flag=True, help="Print the graph as JSON (stable, sorted).")
def synth(stage: str | None, config: Path | None, as_json: bool) -> None:
    """Print the resource graph of the app for a stage."""
    project = load_project(config, stage)
    write_types(project.app)
    graph = project.graph
    if as_json:
        click.echo(graph.dumps())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{graph.app} / {graph.stage} ({graph.target}, {graph.region})")
    for column in ("type", "logical id", "physical name", "construct"):
        table.add_column(column)
    for resource in sorted(graph.resources, key=lambda r: (r.construct, r.type, r.logical_id)):
        table.add_row(resource.type, resource.logical_id, resource.physical_name or "", resource.construct)
    console = Console()
    console.print(table)
    for binding in graph.bindings:
        console.print(
            f"bind {binding.function} → {binding.resource} ({binding.resource_type}, {binding.access})"
        )
