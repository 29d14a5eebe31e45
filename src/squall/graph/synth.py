"""From a configured ``App`` to a ``Graph``: validate every construct, then let each synthesize itself."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from squall.constructs.base import Token
from squall.constructs.binding import BindsResources
from squall.constructs.location import SourceLocation
from squall.errors import ConfigError, ValidationErrors
from squall.graph.model import Binding, Graph, Resource, Secret

if TYPE_CHECKING:
    from squall.app import App

DEFAULT_LOG_RETENTION_DAYS = 14


class SynthContext:
    """What constructs write their resources into, with the app's naming facts at hand."""

    def __init__(self, app: App) -> None:
        self.app = app.name
        self.stage = app.stage
        self.region = app.region
        self.root = app.root
        self.log_retention_days = DEFAULT_LOG_RETENTION_DAYS
        self.iam = app.iam
        self.resources: dict[str, Resource] = {}
        self.bindings: list[Binding] = []
        self.secrets: list[Secret] = []

    def add(
        self,
        type: str,
        logical_id: str,
        physical_name: str | None,
        properties: dict[str, Any],
        *,
        depends_on: tuple[str, ...] = (),
        construct: str = "",
        metadata: dict[str, Any] | None = None,
    ) -> Resource:
        if logical_id in self.resources:
            raise ConfigError(
                f"two resources share the logical id {logical_id!r} "
                f"({self.resources[logical_id].type} and {type})",
                hint="rename one of the constructs involved",
            )
        resource = Resource(
            type, logical_id, physical_name, properties, depends_on, construct, metadata or {}
        )
        self.resources[logical_id] = resource
        return resource

    def add_binding(self, function: str, resource: str, resource_type: str, access: str) -> None:
        self.bindings.append(Binding(function, resource, resource_type, access))

    def relative_location(self, location: SourceLocation) -> str:
        try:
            return f"{os.path.relpath(location.file, self.root)}:{location.line}"
        except ValueError:
            return str(location)


def validate(app: App) -> None:
    """Every problem in the app at once, as ``ValidationErrors``; nothing when it is valid."""
    errors: list[ConfigError] = []
    seen: dict[str, Any] = {}
    for construct in app.constructs:
        first = seen.get(construct.id)
        if first is not None:
            errors.append(
                construct.error(
                    f"duplicate id {construct.id!r} (already used by {first.kind} at {first.location})",
                    hint="give every construct of the app its own id",
                )
            )
        else:
            seen[construct.id] = construct
        errors.extend(construct.validate())
        if isinstance(construct, BindsResources):
            errors.extend(construct.bind_problems())
    if errors:
        raise ValidationErrors(errors)


def synthesize(app: App) -> Graph:
    validate(app)
    ctx = SynthContext(app)
    for construct in app.constructs:
        construct.synthesize(ctx)
    outputs: dict[str, Any] = {}
    for stack in app.stacks:
        for key, value in stack.outputs.items():
            outputs[key] = value.value if isinstance(value, Token) else value
    return Graph(
        app=app.name,
        stage=app.stage,
        region=app.region,
        target=app.target,
        resources=tuple(ctx.resources.values()),
        bindings=tuple(ctx.bindings),
        secrets=tuple(ctx.secrets),
        outputs=outputs,
    )
