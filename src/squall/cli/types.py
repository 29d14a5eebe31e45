"""``squall types``: (re)generate the typed ``Resource`` stubs for the app."""

from __future__ import annotations

from pathlib import Path

import click

from squall.binding.types import TYPES_DIR, write_types
from squall.cli.options import project_options
from squall.config import load_project


@click.command()
@project_options
def types(stage: str | None, config: Path | None) -> None:
    """Generate typed stubs so mypy/pyright check `Resource.<id>.<attribute>`."""
    project = load_project(config, stage)
    stub = write_types(project.app)
    click.echo(f"Wrote {stub.relative_to(project.root)}")
    click.echo(f'mypy: mypy_path = "{TYPES_DIR}"   pyright: extraPaths = ["{TYPES_DIR}"]')
