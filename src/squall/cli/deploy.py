"""``squall deploy``: plan and apply a stage, with a live view, then print its outputs."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from squall.binding.types import write_types
from squall.cli.options import project_options
from squall.config import load_project
from squall.errors import SquallError

TARGET_CHOICE = click.Choice(["local", "aws"])


F = TypeVar("F", bound=Callable[..., Any])


def target_option(fn: F) -> F:
    return click.option(
        "--target", type=TARGET_CHOICE, default=None, help="Where to deploy (default: the config's target)."
    )(fn)


def deploy_clients(graph: Any) -> Any:
    """The clients the deployer's commands use for the graph's target (``squall.deploy.Clients``)."""
    from squall.deploy.clients import DEPLOY_OPTIONS, clients_for

    return clients_for("aws" if graph.target == "aws" else "local", graph.region, DEPLOY_OPTIONS)


def interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def confirm_or_refuse(question: str, *, target: str, yes: bool, always_ask: bool) -> bool:
    """Whether to go on: ``--yes``, else ask on a terminal; without one, go on only for the local cloud."""
    if yes or (target == "local" and not always_ask):
        return True
    if interactive():
        return click.confirm(question, default=False, err=True)
    if target == "local":
        return True
    raise SquallError(
        f"{question.rstrip('?')}: needs confirmation, and there is no terminal to ask on",
        hint="pass --yes to proceed without asking",
    )


def print_outputs(outputs: dict[str, str]) -> None:
    for name, value in sorted(outputs.items()):
        click.echo(f"{name}: {value}")


@click.command()
@project_options
@target_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (target aws).")
@click.option(
    "--allow-replace", is_flag=True, help="Allow replacing tables and buckets (their data is lost)."
)
def deploy(
    stage: str | None, config: Path | None, target: str | None, yes: bool, allow_replace: bool
) -> None:
    """Deploy the stage: create, update and delete only what changed."""
    from squall.deploy import deploy as run_deploy
    from squall.deploy.progress import LiveReporter
    from squall.deploy.steps import Plan

    project = load_project(config, stage, target=target)
    write_types(project.app)
    graph = project.graph
    clients = deploy_clients(graph)

    def confirm(plan: Plan) -> bool:
        if graph.target != "aws":
            return True
        reporter.__exit__()
        for step in plan.steps:
            click.echo(f"  {step.action:<8} {step.type} {step.describe()}", err=True)
        go_on = confirm_or_refuse(
            f"Apply these changes to {graph.app} stage {graph.stage} on AWS?",
            target="aws",
            yes=yes,
            always_ask=False,
        )
        reporter.__enter__()
        return go_on

    with LiveReporter() as reporter:
        result = run_deploy(
            project, clients=clients, reporter=reporter, allow_replace=allow_replace, confirm=confirm
        )
    if not result.applied:
        click.echo("Nothing deployed.", err=True)
        return
    click.echo(f"Deployed {graph.app} / {graph.stage} in {result.elapsed:.1f}s", err=True)
    print_outputs(result.outputs)
