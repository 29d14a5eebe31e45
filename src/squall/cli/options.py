"""Options shared by the commands that work on a project."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def project_options(fn: F) -> F:
    """``--stage`` and ``--config``, resolved by ``squall.config.load_project``."""
    fn = click.option(
        "--stage", "-s", default=None, help="The stage (default: $SQUALL_STAGE, then your personal stage)."
    )(fn)
    fn = click.option(
        "--config",
        "config",
        type=click.Path(path_type=Path),
        default=None,
        help="Path to squall.config.py (default: found from the current folder upwards).",
    )(fn)
    return fn
