"""``squall init DIR``: scaffold a project from a template."""

from __future__ import annotations

from pathlib import Path

import click

from squall.scaffold import TEMPLATES, scaffold


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--template", "-t", type=click.Choice(TEMPLATES), default="url-shortener", show_default=True)
def init(directory: Path, template: str) -> None:
    """Create a new squall project in DIRECTORY."""
    name = scaffold(directory, template)
    click.echo(f"Created {name} in {directory} from the {template} template.")
    click.echo(f"Next: cd {directory} && squall dev")
