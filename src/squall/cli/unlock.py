"""``squall unlock``: release a stage's deploy lock left by a deploy that died.

It shows the holder and asks first (``--yes`` does not ask); given a LOCK_ID it releases only that lock.
The deploy that held it, if it still runs, stops before its next change.
"""

from __future__ import annotations

from pathlib import Path

import click

from squall.cli.deploy import deploy_clients, interactive, target_option
from squall.cli.options import project_options
from squall.config import load_project
from squall.errors import SquallError


@click.command()
@project_options
@target_option
@click.argument("lock_id", required=False)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def unlock(
    stage: str | None, config: Path | None, target: str | None, lock_id: str | None, yes: bool
) -> None:
    """Release the stage's deploy lock (only LOCK_ID, when given), after showing who holds it."""
    from squall.deploy import unlock as run_unlock
    from squall.deploy.lock import LockObject

    project = load_project(config, stage, target=target)
    graph = project.graph
    declined = False

    def confirm(current: LockObject) -> bool:
        nonlocal declined
        click.echo(f"{graph.app} / {graph.stage} is locked by {current.describe()}", err=True)
        if yes:
            return True
        if not interactive():
            raise SquallError(
                "releasing the lock needs confirmation, and there is no terminal to ask on",
                hint="pass --yes to release it without asking",
            )
        declined = not click.confirm(
            "Release it? A deploy still running with it stops before its next change", default=False, err=True
        )
        return not declined

    released = run_unlock(project, clients=deploy_clients(graph), lock_id=lock_id, confirm=confirm)
    if declined:
        click.echo("Nothing released.", err=True)
    elif released is None:
        click.echo(f"{graph.app} / {graph.stage} was not locked")
    else:
        click.echo(f"Released the lock of {graph.app} / {graph.stage} held by {released.describe()}")
