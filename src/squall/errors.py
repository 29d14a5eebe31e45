"""The root of every error squall shows a user.

A ``SquallError`` knows how to show itself: what happened, where (a construct id, a ``file:line``, a
resource) and what to do next. The CLI catches it once, in ``main()``, prints it without a traceback and
exits with its ``exit_code``.
"""

from __future__ import annotations

from typing import IO

import click


class SquallError(Exception):
    """An error meant for the user, shown without a Python traceback."""

    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def format(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        return f"{head}\n  hint: {self.hint}" if self.hint else head

    def show(self, file: IO[str] | None = None) -> None:
        click.echo(click.style("Error: ", fg="red", bold=True) + self.format(), err=file is None, file=file)

    def __str__(self) -> str:
        return self.format()


class ConfigError(SquallError):
    """The app's ``squall.config.py`` is missing, broken or describes something invalid."""


class ValidationErrors(SquallError):
    """Several ``ConfigError``s found in one pass, shown together."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.format() for e in errors))

    def format(self) -> str:
        count = len(self.errors)
        lines = [f"{count} problem{'s' if count != 1 else ''} in the app's configuration:"]
        lines += ["  " + e.format().replace("\n", "\n  ") for e in self.errors]
        return "\n".join(lines)


class CloudError(SquallError):
    """The target (AWS or the local cloud) refused or failed a call."""
