"""``squall unlock``: release a stage's deploy lock left by a deploy that died."""

from __future__ import annotations

from pathlib import Path

import click

from squall.cli.deploy import target_option
from squall.cli.options import project_options
from squall.config import load_project


@click.command()
@project_options
@target_option
def unlock(stage: str | None, config: Path | None, target: str | None) -> None:
    """Release the stage's deploy lock, whoever holds it."""
    from squall.deploy import clients_for
    from squall.deploy import unlock as run_unlock

    project = load_project(config, stage, target=target)
    graph = project.graph
    holder = run_unlock(
        project, clients=clients_for("aws" if graph.target == "aws" else "local", graph.region)
    )
    if holder is None:
        click.echo(f"{graph.app} / {graph.stage} was not locked")
    else:
        click.echo(f"Released the lock of {graph.app} / {graph.stage} held by {holder.describe()}")
