"""``squall remove``: delete everything the stage owns."""

from __future__ import annotations

from pathlib import Path

import click

from squall.cli.deploy import confirm_or_refuse, target_option
from squall.cli.options import project_options
from squall.config import load_project


@click.command()
@project_options
@target_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def remove(stage: str | None, config: Path | None, target: str | None, yes: bool) -> None:
    """Remove the stage: every resource it owns, then its state."""
    from squall.deploy import clients_for
    from squall.deploy import remove as run_remove
    from squall.deploy.plan import Plan
    from squall.deploy.progress import LiveReporter

    project = load_project(config, stage, target=target)
    graph = project.graph
    where = "AWS" if graph.target == "aws" else "the local cloud"

    def confirm(plan: Plan) -> bool:
        reporter.__exit__()
        go_on = confirm_or_refuse(
            f"Remove {graph.app} stage {graph.stage} ({len(plan.steps)} resources) from {where}?",
            target=graph.target,
            yes=yes,
            always_ask=True,
        )
        reporter.__enter__()
        return go_on

    with LiveReporter() as reporter:
        plan = run_remove(
            project,
            clients=clients_for("aws" if graph.target == "aws" else "local", graph.region),
            reporter=reporter,
            confirm=confirm,
        )
    click.echo(f"Removed {graph.app} / {graph.stage} ({len(plan.steps)} resources)", err=True)
