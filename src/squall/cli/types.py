"""``squall types``: (re)generate the typed ``Resource`` stubs for the app, or check them (``--check``)."""

from __future__ import annotations

from pathlib import Path

import click

from squall.binding.types import TYPES_DIR, check_types, stub_path, write_types
from squall.cli.options import project_options
from squall.config import load_project
from squall.errors import SquallError


class StaleTypes(SquallError):
    pass


@click.command()
@project_options
@click.option(
    "--check", is_flag=True, help="Write nothing; fail if the stubs are missing or out of date (for CI)."
)
def types(stage: str | None, config: Path | None, check: bool) -> None:
    """Generate typed stubs so mypy and pyright check `Resource.<id>` and its clients."""
    project = load_project(config, stage)
    if check:
        state = check_types(project.app)
        where = str(stub_path(project.app).relative_to(project.root))
        if state != "fresh":
            raise StaleTypes(
                f"the typed Resource stubs are {state}: they do not match squall.config.py",
                where=where,
                hint="run `squall types` (in CI, run it before the type checker)",
            )
        click.echo(f"{where} is up to date")
        return
    stub = write_types(project.app)
    click.echo(f"Wrote {stub.relative_to(project.root)}")
    click.echo(f'mypy: mypy_path = "{TYPES_DIR}"   pyright: extraPaths = ["{TYPES_DIR}"]')
