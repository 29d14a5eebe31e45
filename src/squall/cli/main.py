"""The ``squall`` command: a thin click front over squall's programmatic API.

Each command lives in its own module and is imported only when it runs, so ``squall synth`` never pays for
boto3 or the local cloud. Errors meant for the user (``SquallError``) are caught once, here, and shown
without a traceback unless ``--verbose`` is given.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from typing import Any

import click

from squall.cli.groups import SquallGroup
from squall.errors import CloudError, SquallError

# command name -> "module:attribute" of its click command
COMMANDS: dict[str, str] = {
    "init": "squall.cli.init:init",
    "synth": "squall.cli.synth:synth",
    "types": "squall.cli.types:types",
    "secret": "squall.cli.secret:secret",
    "dev": "squall.cli.dev:dev",
    "shell": "squall.cli.shell:shell",
    "invoke": "squall.cli.invoke:invoke",
    "logs": "squall.cli.logs:logs",
    "cloud": "squall.cli.cloud:cloud",
    "deploy": "squall.cli.deploy:deploy",
    "diff": "squall.cli.diff:diff",
    "remove": "squall.cli.remove:remove",
    "outputs": "squall.cli.outputs:outputs",
    "unlock": "squall.cli.unlock:unlock",
    "state": "squall.cli.state:state",
    "console": "squall.cli.console:console",
}


class LazyGroup(SquallGroup):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--verbose", "-v", is_flag=True, help="Show full tracebacks for errors.")
@click.version_option(package_name="squall")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """squall: serverless apps on AWS in Python, with an embedded local cloud."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


def main(argv: list[str] | None = None) -> Any:
    verbose = "--verbose" in (argv or sys.argv[1:]) or "-v" in (argv or sys.argv[1:])
    try:
        return cli.main(args=argv, prog_name="squall", standalone_mode=False)
    except SquallError as exc:
        if verbose:
            traceback.print_exc()
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        if not type(exc).__module__.startswith("botocore"):
            raise
        # A cloud error no command translated: still no traceback for the user (--verbose shows it).
        if verbose:
            traceback.print_exc()
        error = CloudError(str(exc), hint="check the target (`squall cloud status`, or your AWS credentials)")
        error.show()
        sys.exit(error.exit_code)
