"""Binding: what a function gets when a resource is bound to it.

A bindable construct says two things: the metadata a function can read (``Resource.Urls.table_name``),
injected as one ``SQUALL_RESOURCE_<id>`` environment variable holding compact JSON, and the IAM statements
the function needs for the chosen access level, scoped to the resource's own ARNs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from squall.constructs.base import Construct
from squall.constructs.location import SourceLocation, caller_location
from squall.constructs.options import strict_options
from squall.errors import ConfigError

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


def as_items(resources: object) -> list[object]:
    """``bind=`` as written: one construct, or a list of them (anything else is one item, reported later)."""
    if isinstance(resources, Construct | str | bytes) or not isinstance(resources, Iterable):
        return [resources]
    return list(resources)


def describe(target: object) -> str:
    kind = getattr(target, "kind", type(target).__name__)
    name = getattr(target, "id", None)
    return f"{kind} {name!r}" if isinstance(name, str) else f"{kind} {target!r}"


class BindsResources:
    """A mixin for constructs whose functions can have resources bound (``.bind([...])``)."""

    def _init_binds(self) -> None:
        self.bind_requests: list[BindRequest] = []

    @strict_options
    def bind(self, resources: Construct | Iterable[Construct], access: Access = "readwrite") -> None:
        """Give this construct's functions access to ``resources`` (one construct or several)."""
        location = caller_location()
        for item in as_items(resources):
            self.bind_requests.append(BindRequest(item, access, location))

    def bind_problems(self) -> Iterator[ConfigError]:
        """Each ``bind`` item that is not bindable, or has an unknown access level, at its own line."""
        owner = f"{getattr(self, 'kind', 'Construct')} '{getattr(self, 'id', '?')}'"
        for request in self.bind_requests:
            if not isinstance(request.target, Bindable):
                yield ConfigError(
                    f"{owner}: cannot bind {describe(request.target)}: it is not bindable",
                    where=str(request.location),
                    hint="bind Table, Bucket, Queue, Topic, Secret, Api or Function constructs",
                )
            elif request.access not in ACCESS_LEVELS:
                yield ConfigError(
                    f"{owner}: unknown access {request.access!r} for {describe(request.target)}",
                    where=str(request.location),
                    hint="use access='read', 'write' or 'readwrite'",
                )
