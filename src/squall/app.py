"""``App`` and ``Stack``: what ``squall.config.py``'s ``stacks(app)`` receives and fills with constructs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from squall.constructs.base import Construct, Token
from squall.constructs.function import FunctionProps
from squall.constructs.location import SourceLocation, caller_location
from squall.constructs.options import strict_options

Target = Literal["local", "aws"]
IamMode = Literal["enforce", "warn", "off"]
IAM_MODES: tuple[IamMode, ...] = ("enforce", "warn", "off")


class App:
    """The app being defined: its name, stage, region and target, and every construct in it."""

    def __init__(
        self,
        name: str,
        stage: str,
        region: str = "us-east-1",
        target: Target = "local",
        root: Path | None = None,
        iam: IamMode = "enforce",
    ) -> None:
        self.name = name
        self.root = root or Path.cwd()
        """The project folder (where ``squall.config.py`` is); handler paths are relative to it."""
        self.stage = stage
        self.region = region
        self.target: Target = target
        self.iam: IamMode = iam
        """How the local cloud treats a request a function's role does not allow: ``enforce`` denies it
        as AWS does, ``warn`` reports it and lets it through, ``off`` does not check."""
        self.stacks: list[Stack] = []
        self.constructs: list[Construct] = []
        self.default_function_props: FunctionProps = {}

    def stack(self, fn: Callable[[Stack], object], id: str | None = None) -> Stack:
        """Make a stack named after ``fn`` (or ``id``) and let ``fn`` fill it."""
        stack = Stack(self, id or str(getattr(fn, "__name__", "Stack")), caller_location())
        self.stacks.append(stack)
        fn(stack)
        return stack

    @strict_options
    def set_default_function_props(self, props: FunctionProps) -> None:
        """Defaults for every function of the app (``runtime``, ``timeout``, ``environment``...)."""
        merged: dict[str, Any] = {**self.default_function_props, **props}
        self.default_function_props = merged  # type: ignore[assignment]


class Stack:
    """A group of constructs; ``add_outputs`` declares what ``squall outputs`` shows after a deploy."""

    def __init__(self, app: App, id: str, location: SourceLocation | None = None) -> None:
        self.app = app
        self.id = id
        self.location = location or caller_location()
        self.outputs: dict[str, str | Token] = {}
        self.output_locations: dict[str, SourceLocation] = {}

    @property
    def stage(self) -> str:
        return self.app.stage

    def add_outputs(self, outputs: Mapping[str, str | Token]) -> None:
        location = caller_location()
        for key, value in outputs.items():
            self.outputs[key] = value
            self.output_locations[key] = location

    def _register(self, construct: Construct) -> None:
        self.app.constructs.append(construct)
