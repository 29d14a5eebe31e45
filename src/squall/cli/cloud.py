"""``squall cloud start|status|stop|reset``: the local cloud daemon, over ``squall.cloud``."""

from __future__ import annotations

import json
import time

import click

from squall import cloud as local_cloud


@click.group()
def cloud() -> None:
    """The embedded local cloud (an AWS-compatible endpoint on 127.0.0.1)."""


@cloud.command()
@click.option(
    "--port", type=int, default=None, help="Port to listen on (default $SQUALL_CLOUD_PORT or 4590)."
)
@click.option("--foreground", is_flag=True, help="Run in this terminal instead of in the background.")
def start(port: int | None, foreground: bool) -> None:
    """Start the local cloud."""
    if foreground:
        click.echo(
            f"Starting the local cloud on 127.0.0.1:{local_cloud.daemon.resolve_port(port)} (Ctrl-C stops it)"
        )
    info = local_cloud.start(port=port, foreground=foreground)
    if info is not None:
        click.echo(f"Local cloud running at {info.endpoint} (pid {info.pid}, data {info.data})")


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
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(yes: bool) -> None:
    """Delete everything the local cloud stores."""
    if not yes:
        click.confirm("Delete every table, bucket, queue and function in the local cloud?", abort=True)
    local_cloud.reset()
    click.echo("Local cloud data wiped.")
