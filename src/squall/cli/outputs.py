"""``squall outputs``: the outputs recorded by the stage's last deploy."""

from __future__ import annotations

import json
from pathlib import Path

import click

from squall.cli.deploy import deploy_clients, print_outputs, target_option
from squall.cli.options import project_options
from squall.config import load_project


@click.command()
@project_options
@target_option
@click.option("--json", "as_json", is_flag=True, help="Print an object from output name to value.")
def outputs(stage: str | None, config: Path | None, target: str | None, as_json: bool) -> None:
    """Print the stage's outputs (e.g. ApiEndpoint)."""
    from squall.deploy import outputs as read_outputs

    project = load_project(config, stage, target=target)
    graph = project.graph
    found = read_outputs(project, clients=deploy_clients(graph))
    if as_json:
        click.echo(json.dumps(found, indent=2, sort_keys=True))
    else:
        print_outputs(found)
