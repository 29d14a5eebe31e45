"""Binding: what a function gets when a resource is bound to it.

A bindable construct says two things: the metadata a function can read (``Resource.Urls.table_name``),
injected as one ``SQUALL_RESOURCE_<id>`` environment variable holding compact JSON, and the IAM statements
the function needs for the chosen access level, scoped to the resource's own ARNs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from squall.constructs.base import Construct, SourceLocation, caller_location

if TYPE_CHECKING:
    from squall.graph.synth import SynthContext

Access = Literal["read", "write", "readwrite"]
ACCESS_LEVELS: tuple[Access, ...] = ("read", "write", "readwrite")

ENV_PREFIX = "SQUALL_RESOURCE_"


@runtime_checkable
class Bindable(Protocol):
    id: str
    kind: str

    def bind_metadata(self, ctx: SynthContext) -> dict[str, Any]:
        """Compact, JSON-able metadata: names, ARNs, URLs (tokens allowed)."""
        ...

    def bind_statements(self, ctx: SynthContext, access: Access) -> list[dict[str, Any]]:
        """IAM policy statements for ``access``, never ``*`` for the bound resource."""
        ...


@dataclass(frozen=True)
class BindRequest:
    """One ``.bind([...])`` item as written, checked later so every mistake is reported at once."""

    target: object
    access: str
    location: SourceLocation


def statement(actions: Sequence[str], resources: Sequence[Any]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": sorted(actions), "Resource": list(resources)}


class BindsResources:
    """A mixin for constructs whose functions can have resources bound (``.bind([...])``)."""

    def _init_binds(self) -> None:
        self.bind_requests: list[BindRequest] = []

    def bind(self, resources: Iterable[Construct], access: Access = "readwrite") -> None:
        """Give this construct's functions access to ``resources`` (permissions + metadata)."""
        location = caller_location()
        items = list(resources) if not isinstance(resources, Construct) else [resources]
        for item in items:
            self.bind_requests.append(BindRequest(item, access, location))
