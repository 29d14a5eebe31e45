"""``squall remove``: delete everything the stage owns, and its secrets."""

from __future__ import annotations

from pathlib import Path

import click

from squall.cli.deploy import confirm_or_refuse, deploy_clients, target_option
from squall.cli.options import project_options
from squall.config import load_project


@click.command()
@project_options
@target_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--keep-secrets", is_flag=True, help="Leave the stage's secrets in place.")
def remove(stage: str | None, config: Path | None, target: str | None, yes: bool, keep_secrets: bool) -> None:
    """Remove the stage: every resource it owns, its secrets (not the fallbacks), then its state."""
    from squall.deploy import remove as run_remove
    from squall.deploy.progress import LiveReporter
    from squall.deploy.steps import Plan

    project = load_project(config, stage, target=target)
    graph = project.graph
    where = "AWS" if graph.target == "aws" else "the local cloud"

    def confirm(plan: Plan, secrets: list[str]) -> bool:
        reporter.__exit__()
        also = f" and its secrets {', '.join(secrets)}" if secrets else ""
        go_on = confirm_or_refuse(
            f"Remove {graph.app} stage {graph.stage} ({len(plan.steps)} resources){also} from {where}?",
            target=graph.target,
            yes=yes,
            always_ask=True,
        )
        reporter.__enter__()
        return go_on

    with LiveReporter() as reporter:
        removal = run_remove(
            project,
            clients=deploy_clients(graph),
            reporter=reporter,
            confirm=confirm,
            keep_secrets=keep_secrets,
        )
    if not removal.applied:
        click.echo("Nothing removed.", err=True)
        return
    for step in removal.kept:
        click.echo(f"Kept {step.type} {step.describe()}: {step.kept}", err=True)
    if removal.secrets:
        click.echo(f"Removed the stage's secrets: {', '.join(removal.secrets)}", err=True)
    deleted = len(removal.plan.steps) - len(removal.kept)
    click.echo(f"Removed {graph.app} / {graph.stage} ({deleted} resources)", err=True)
