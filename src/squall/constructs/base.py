"""What every construct shares: an id, the stack it lives in, and the line of ``squall.config.py`` that made it.

Constructs are the definition side only. Each one checks its own options (``validate``) and turns itself into
resource-graph models (``synthesize``); nothing here talks to a cloud.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from squall.errors import ConfigError

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext

_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)

ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class SourceLocation:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def caller_location() -> SourceLocation:
    """The innermost frame outside the squall package: the user's line that made the current call."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith("<frozen"):
            return SourceLocation(filename, frame.f_lineno)
        frame = frame.f_back  # type: ignore[assignment]
    return SourceLocation("<unknown>", 0)


@dataclass(frozen=True)
class Token:
    """A value only known at deploy time (an API's URL, an ARN with the account id)."""

    value: dict[str, Any]

    def __str__(self) -> str:
        raise TypeError(
            "a squall Token (e.g. api.url) is only known at deploy time; pass it as is to "
            "add_outputs() or a function's environment instead of formatting it into a string"
        )


class Construct:
    """The base of every construct; ``kind`` names it in messages (``Table``, ``Api``, ...)."""

    kind: ClassVar[str] = "Construct"

    def __init__(self, stack: Stack, id: str) -> None:
        self.stack = stack
        self.id = id
        self.location = caller_location()
        stack._register(self)

    @property
    def path(self) -> str:
        return f"{self.stack.id}/{self.id}"

    def error(self, message: str, *, hint: str | None = None) -> ConfigError:
        """A ``ConfigError`` that names this construct and the line that made it."""
        return ConfigError(f"{self.kind} '{self.id}': {message}", where=str(self.location), hint=hint)

    def validate(self) -> Iterator[ConfigError]:
        if not ID_PATTERN.match(self.id):
            yield self.error(
                f"invalid id {self.id!r}",
                hint="ids start with a letter and use only letters, digits and '_' (e.g. 'Urls')",
            )

    def synthesize(self, ctx: SynthContext) -> None:
        """Add this construct's resources to ``ctx``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.kind} {self.id}>"
