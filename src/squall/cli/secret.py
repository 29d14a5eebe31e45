"""``squall secret set|get|list|remove``: the app's secrets per stage (SSM SecureString)."""

from __future__ import annotations

from pathlib import Path

import click

from squall.binding.secrets import Secrets
from squall.cli.groups import SquallGroup
from squall.cli.options import project_options
from squall.config import load_project


def _secrets(config: Path | None, stage: str | None) -> tuple[Secrets, list[str]]:
    from squall.deploy.clients import clients_for

    project = load_project(config, stage)
    graph = project.graph
    clients = clients_for(project.app.target, graph.region)
    return Secrets(clients("ssm"), graph.app, graph.stage), [s.name for s in graph.secrets]


@click.group(cls=SquallGroup)
def secret() -> None:
    """Manage secrets (per stage, or --fallback for every stage)."""


@secret.command("set")
@project_options
@click.argument("name")
@click.argument("value")
@click.option("--fallback", is_flag=True, help="Set the value every stage without its own uses.")
def set_(stage: str | None, config: Path | None, name: str, value: str, fallback: bool) -> None:
    """Set secret NAME to VALUE."""
    secrets, declared = _secrets(config, stage)
    secrets.set(name, value, fallback=fallback)
    scope = "every stage (fallback)" if fallback else f"stage {secrets.stage}"
    click.echo(f"Set {name} for {scope}.")
    if name not in declared:
        click.echo(f"Note: no Secret(stack, {name!r}) is declared in squall.config.py.", err=True)


@secret.command()
@project_options
@click.argument("name")
@click.option("--fallback", is_flag=True, help="Read the fallback value.")
def get(stage: str | None, config: Path | None, name: str, fallback: bool) -> None:
    """Print the value of secret NAME."""
    secrets, _ = _secrets(config, stage)
    click.echo(secrets.get(name, fallback=fallback).value)


@secret.command("list")
@project_options
def list_(stage: str | None, config: Path | None) -> None:
    """List secret names and where their value comes from (values are not shown)."""
    secrets, declared = _secrets(config, stage)
    found = secrets.sources()
    for name in sorted(set(found) | set(declared)):
        source = found.get(name)
        click.echo(f"{name}\t{source or 'NOT SET'}")


@secret.command()
@project_options
@click.argument("name")
@click.option("--fallback", is_flag=True, help="Remove the fallback value.")
def remove(stage: str | None, config: Path | None, name: str, fallback: bool) -> None:
    """Remove secret NAME."""
    secrets, _ = _secrets(config, stage)
    secrets.remove(name, fallback=fallback)
    click.echo(f"Removed {name}.")
