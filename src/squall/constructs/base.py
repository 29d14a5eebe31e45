"""What every construct shares: an id, the stack it lives in, and the line of ``squall.config.py`` that made it.

Constructs are the definition side only. Each one checks its own options (``validate``) and turns itself into
resource-graph models (``synthesize``); nothing here talks to a cloud.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from squall.constructs.location import SourceLocation, caller_location
from squall.constructs.options import strict_options
from squall.errors import ConfigError

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext

ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every construct of squall's checks its keyword names and dict options (``options.py``)."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if (
            init is not None
            and cls.__module__.startswith("squall.")
            and not hasattr(init, "__squall_strict__")
        ):
            cls.__init__ = strict_options(init)  # type: ignore[method-assign]

    def __init__(self, stack: Stack, id: str) -> None:
        self.stack = stack
        self.id = id
        self.location = caller_location()
        self.option_errors: list[ConfigError] = []
        """Unknown keywords and dict keys found when the construct was made, reported by ``validate``."""
        stack._register(self)

    @property
    def path(self) -> str:
        return f"{self.stack.id}/{self.id}"

    def error(
        self, message: str, *, hint: str | None = None, at: SourceLocation | None = None
    ) -> ConfigError:
        """A ``ConfigError`` that names this construct and the line that made it (or ``at``)."""
        return ConfigError(f"{self.kind} '{self.id}': {message}", where=str(at or self.location), hint=hint)

    def validate(self) -> Iterator[ConfigError]:
        yield from self.option_errors
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
