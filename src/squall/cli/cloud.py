"""``squall cloud start|status|stop|repair|reset``: the local cloud daemon, over ``squall.cloud``."""

from __future__ import annotations

import json
import time

import click

from squall import cloud as local_cloud
from squall.cli.groups import SquallGroup


@click.group(cls=SquallGroup)
def cloud() -> None:
    """The embedded local cloud (an AWS-compatible endpoint on 127.0.0.1)."""


@cloud.command()
@click.option(
    "--port", type=int, default=None, help="Port to listen on (default $SQUALL_CLOUD_PORT or 4590)."
)
@click.option("--foreground", is_flag=True, help="Run in this terminal instead of in the background.")
@click.option(
    "--durability",
    type=click.Choice(["default", "strict"]),
    default=None,
    help="default: answer once a write reached the OS (a crash of the local cloud loses nothing; a power "
    "loss up to 1 s); strict: once it is fsynced (a power loss loses nothing). Remembered for this home; "
    "default $SQUALL_CLOUD_DURABILITY.",
)
def start(port: int | None, foreground: bool, durability: str | None) -> None:
    """Start the local cloud."""

    def ready(endpoint: str) -> None:
        click.echo(f"Local cloud running at {endpoint} (Ctrl-C stops it)")

    info = local_cloud.start(port=port, foreground=foreground, durability=durability, on_ready=ready)
    if info is not None:
        for note in info.notes:
            click.echo(f"note: {note}", err=True)
        click.echo(
            f"Local cloud running at {info.endpoint} (pid {info.pid}, durability {info.durability}, data {info.data})"
        )


@cloud.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(as_json: bool) -> None:
    """Show whether the local cloud runs, and where."""
    info = local_cloud.status()
    if as_json:
        document = (
            {
                "running": True,
                "endpoint": info.endpoint,
                "port": info.port,
                "pid": info.pid,
                "data": str(info.data),
                "started_at": info.started_at,
                "uptime": round(time.time() - info.started_at, 3),
            }
            if info
            else {"running": False, "endpoint": None, "pid": None, "data": None, "uptime": None}
        )
        click.echo(json.dumps(document))
    elif info is None:
        click.echo("The local cloud is not running.")
    else:
        uptime = time.time() - info.started_at
        click.echo(
            f"Local cloud running at {info.endpoint} (pid {info.pid}, up {uptime:.0f} s, data {info.data})"
        )


@cloud.command()
@click.option(
    "--profile",
    "profile",
    default=None,
    metavar="NAME",
    help="Write an AWS CLI profile NAME (credentials and config with endpoint_url) instead of printing.",
)
@click.option("--region", default="us-east-1", show_default=True, help="The region tools should use.")
def env(profile: str | None, region: str) -> None:
    """Print the `export` lines that point plain boto3, the AWS CLI or chalice at the local cloud.

    Use them with `eval "$(squall cloud env)"`. The local cloud is started if it is not running.
    """
    from squall.cloud.auth.profile import environment, export_lines, write_profile

    info = local_cloud.ensure_running()
    key = local_cloud.credentials(info.home)
    if profile is None:
        click.echo(export_lines(environment(info.endpoint, key, region)), nl=False)
        return
    credentials_file, config_file = write_profile(profile, info.endpoint, key, region)
    click.echo(
        f"Wrote profile {profile!r} to {credentials_file} and {config_file}; "
        f"use it with AWS_PROFILE={profile} or --profile {profile}.",
        err=True,
    )


@cloud.command()
def stop() -> None:
    """Stop the local cloud."""
    click.echo("Local cloud stopped." if local_cloud.stop() else "The local cloud was not running.")


@cloud.command()
def repair() -> None:
    """Recover what a damaged journal or snapshot still holds, and list what was lost.

    Keeps a backup of every damaged file, replays every intact journal record, saves the result as a
    new snapshot and prints each request that could not be recovered. The local cloud must be stopped.
    """
    report = local_cloud.daemon.repair()
    for warning in report.warnings:
        click.echo(f"note: {warning}", err=True)
    if report.backup is not None:
        click.echo(f"The damaged files are backed up in {report.backup}")
    click.echo(f"Replayed {report.replayed} intact journaled request{'s' if report.replayed != 1 else ''}.")
    if report.lost:
        click.echo(f"Lost ({len(report.lost)} damaged stretch{'es' if len(report.lost) != 1 else ''}):")
        for lost in report.lost:
            click.echo(f"  - {lost.line()}")
    else:
        click.echo("Nothing was lost.")
    click.echo("Start the local cloud with `squall cloud start`.")


@cloud.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(yes: bool) -> None:
    """Delete everything the local cloud stores."""
    if not yes:
        click.confirm("Delete every table, bucket, queue and function in the local cloud?", abort=True)
    local_cloud.reset()
    click.echo("Local cloud data wiped.")
