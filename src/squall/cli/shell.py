"""``squall shell -- CMD``: run CMD with every resource of the stage bound, as a function would see them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from squall.cli.options import project_options
from squall.errors import SquallError


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@project_options
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def shell(stage: str | None, config: Path | None, command: tuple[str, ...]) -> None:
    """Run COMMAND (default: your shell) with the stage's resources bound."""
    from squall.binding.shell import bound_environment
    from squall.config import load_project
    from squall.deploy import clients_for

    project = load_project(config, stage)
    clients = clients_for(project.app.target, project.graph.region)
    bound = bound_environment(project, clients)
    env = {**os.environ, **bound}
    if clients.endpoint:  # the local cloud's key pair, not a token or profile left over for AWS
        for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            if name not in bound:
                env.pop(name, None)
    argv = list(command) or [os.environ.get("SHELL", "/bin/sh")]
    try:
        completed = subprocess.run(argv, env=env, check=False)
    except FileNotFoundError as exc:
        raise SquallError(f"command not found: {argv[0]}") from exc
    sys.exit(completed.returncode)
