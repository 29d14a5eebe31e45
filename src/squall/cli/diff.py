"""``squall diff``: the plan a deploy would apply, without applying it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from squall.cli.deploy import target_option
from squall.cli.options import project_options
from squall.config import load_project

SYMBOLS = {"create": "+", "update": "~", "replace": "±", "delete": "-"}


@click.command()
@project_options
@target_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def diff(stage: str | None, config: Path | None, target: str | None, as_json: bool) -> None:
    """Show what a deploy of the stage would change."""
    from squall.deploy import clients_for
    from squall.deploy import diff as run_diff

    project = load_project(config, stage, target=target)
    graph = project.graph
    plan = run_diff(project, clients=clients_for("aws" if graph.target == "aws" else "local", graph.region))
    if as_json:
        click.echo(json.dumps(plan.to_json(), indent=2, sort_keys=True))
        return
    if plan.is_empty:
        click.echo(f"{graph.app} / {graph.stage}: no changes ({len(plan.unchanged)} resources up to date)")
        return
    for step in plan.steps:
        detail = (
            f" ({', '.join(step.changes)})" if step.action in ("update", "replace") and step.changes else ""
        )
        adopted = " [adopt]" if step.adopt else ""
        click.echo(f"{SYMBOLS[step.action]} {step.action:<8} {step.type} {step.describe()}{detail}{adopted}")
    click.echo(f"{len(plan.steps)} change(s), {len(plan.unchanged)} unchanged")
