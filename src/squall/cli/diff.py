"""``squall diff``: the plan a deploy would apply, without applying it, and what would stop it (problems:
resources with the stage's names that are not the stage's, secrets without a value)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from squall.cli.deploy import deploy_clients, target_option
from squall.cli.options import project_options
from squall.config import load_project

SYMBOLS = {"create": "+", "update": "~", "replace": "±", "delete": "-"}


@click.command()
@project_options
@target_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def diff(stage: str | None, config: Path | None, target: str | None, as_json: bool) -> None:
    """Show what a deploy of the stage would change."""
    from squall.deploy import diff as run_diff

    project = load_project(config, stage, target=target)
    graph = project.graph
    plan = run_diff(project, clients=deploy_clients(graph))
    if as_json:
        click.echo(json.dumps(plan.to_json(), indent=2, sort_keys=True))
        return
    for problem in plan.problems:
        click.echo(f"! problem  {problem}")
    if plan.is_empty:
        click.echo(f"{graph.app} / {graph.stage}: no changes ({len(plan.unchanged)} resources up to date)")
        return
    for step in plan.steps:
        detail = (
            f" ({', '.join(step.changes)})" if step.action in ("update", "replace") and step.changes else ""
        )
        adopted = " [adopt]" if step.adopt else ""
        kept = f" [kept: {step.kept}]" if step.kept else ""
        line = f"{SYMBOLS[step.action]} {step.action:<8} {step.type} {step.describe()}{detail}{adopted}{kept}"
        click.echo(line)
    click.echo(f"{len(plan.steps)} change(s), {len(plan.unchanged)} unchanged")
