"""``squall state list|show|restore``: the stage's deploy state, version by version.

The state bucket keeps every version of a stage's state, so a bad write (or a damaged object) is undone by
putting an earlier version back: ``list`` shows them, ``show`` prints one as stored, ``restore`` makes one
current again (as a new version; nothing is lost).
"""

from __future__ import annotations

from pathlib import Path

import click

from squall.cli.deploy import confirm_or_refuse, deploy_clients, target_option
from squall.cli.groups import SquallGroup
from squall.cli.options import project_options
from squall.config import load_project


@click.group(cls=SquallGroup)
def state() -> None:
    """Inspect the stage's deploy state and restore an earlier version."""


@state.command("list")
@project_options
@target_option
def list_(stage: str | None, config: Path | None, target: str | None) -> None:
    """List the versions of the stage's state, newest first."""
    from squall.deploy.recovery import state_versions

    project = load_project(config, stage, target=target)
    versions = state_versions(project, clients=deploy_clients(project.graph))
    if not versions:
        click.echo(f"{project.graph.app} / {project.graph.stage} has no state")
        return
    for version in versions:
        when = version.modified.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        notes = [note for note, on in (("current", version.latest), ("removed", version.deleted)) if on]
        size = "-" if version.deleted else f"{version.size} bytes"
        click.echo(f"{version.version_id}\t{when}\t{size}\t{', '.join(notes)}".rstrip())


@state.command()
@project_options
@target_option
@click.argument("version", required=False)
def show(stage: str | None, config: Path | None, target: str | None, version: str | None) -> None:
    """Print the stage's state (or VERSION of it) as stored."""
    from squall.deploy.recovery import state_version

    project = load_project(config, stage, target=target)
    body = state_version(project, clients=deploy_clients(project.graph), version_id=version)
    click.echo(body.decode("utf-8", errors="replace"))


@state.command()
@project_options
@target_option
@click.argument("version")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (target aws).")
def restore(stage: str | None, config: Path | None, target: str | None, version: str, yes: bool) -> None:
    """Make VERSION the stage's current state again (then `squall diff` shows what differs)."""
    from squall.deploy.recovery import restore_state

    project = load_project(config, stage, target=target)
    graph = project.graph
    if not confirm_or_refuse(
        f"Make version {version} the state of {graph.app} stage {graph.stage}?",
        target=graph.target,
        yes=yes,
        always_ask=False,
    ):
        click.echo("Nothing restored.", err=True)
        return
    restored = restore_state(project, clients=deploy_clients(graph), version_id=version)
    click.echo(
        f"Restored version {version} of {graph.app} / {graph.stage} "
        f"({len(restored.resources)} resources); `squall diff` shows what differs from the app"
    )
