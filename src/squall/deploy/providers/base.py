"""What every provider is: how to find, create, update in place and delete one resource type.

Providers get resolved properties (intrinsics already replaced by values) and a ``ProviderContext`` with
the clients, the retrier and the build's artifacts. They return what the stage's state records about the
resource: its physical id and its attributes (``Arn``, ``ApiEndpoint``, ``QueueUrl``, ... and ``Ref``,
the value ``{"Ref": logical_id}`` resolves to).

A provider of a type AWS can tag (``taggable``) creates it with ``ctx.tags`` (the stage's ownership tags, see
``ownership.py``) and reads and adds tags (``read_tags``, ``tag``); the planner decides what may be adopted
or deleted from them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from squall.deploy.clients import Clients
from squall.deploy.errors import NotOwned, error_code
from squall.deploy.intrinsics import contains_unknown
from squall.deploy.ownership import APP_TAG, STAGE_TAG, Owner, stage_tags
from squall.deploy.retry import Retrier

JSON = Any


@dataclass(frozen=True)
class Artifact:
    """A built code package: the zip on disk and its sha256 (hex)."""

    path: str
    sha256: str
    size: int

    def read(self) -> bytes:
        with open(self.path, "rb") as file:
            return file.read()


@dataclass(frozen=True)
class Current:
    """A resource as it exists in the target."""

    physical_id: str
    attributes: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] | None = None
    """Its tags, when the lookup that found it returned them (None: not read)."""


@dataclass
class ProviderContext:
    clients: Clients
    retrier: Retrier
    account_id: str
    region: str
    artifacts: dict[str, Artifact] = field(default_factory=dict)
    """Built packages by sha256."""
    claimed: frozenset[str] = frozenset()
    """Physical ids the state already attributes to some resource (not to be adopted twice)."""
    code_bucket: str | None = None
    code_prefix: str = ""
    app: str = ""
    stage: str = ""

    @property
    def tags(self) -> dict[str, str]:
        """The tags every resource of the stage is created with."""
        return stage_tags(self.app, self.stage)

    def call(self, service: str, operation: str, /, **kwargs: Any) -> Any:
        """``client.operation(**kwargs)`` with retries on throttling and eventual consistency."""
        method: Callable[..., Any] = getattr(self.clients(service), operation)
        return self.retrier.call(method, **kwargs)

    def call_if_exists(
        self, service: str, operation: str, /, *, missing: tuple[str, ...] = (), **kwargs: Any
    ) -> Any:
        """``call``, or None when what it names does not exist (``missing``: more error codes meaning that)."""
        try:
            return self.call(service, operation, **kwargs)
        except Exception as exc:
            if not_found(exc, *missing):
                return None
            raise


def not_found(exc: BaseException, *codes: str) -> bool:
    defaults = ("ResourceNotFoundException", "NotFoundException", "NoSuchEntity", "404", "NotFound")
    return isinstance(exc, ClientError) and error_code(exc) in (*defaults, *codes)


class Provider:
    """Base of the per-type providers; subclasses set ``type`` and implement the four operations."""

    type: ClassVar[str] = ""
    replace_on: ClassVar[frozenset[str]] = frozenset()
    """Top-level properties whose change needs a new resource."""
    holds_data: ClassVar[bool] = False
    """Replacing it loses data: refused unless the deploy allows replacements."""
    taggable: ClassVar[bool] = False
    """AWS tags it: it carries the stage's tags. Otherwise it belongs to what it is part of."""

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        raise NotImplementedError

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        """Add ``tags`` to the resource (keeping its others)."""
        raise NotImplementedError

    def owner_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str] | None:
        """The tags that say whose it is; None for a type that cannot be tagged."""
        if not self.taggable:
            return None
        return current.tags if current.tags is not None else self.read_tags(ctx, current)

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        raise NotImplementedError

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        raise NotImplementedError

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        raise NotImplementedError

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        raise NotImplementedError

    def replacement_reasons(self, old: dict[str, JSON], new: dict[str, JSON]) -> list[str]:
        return sorted(key for key in self.replace_on if old.get(key) != new.get(key))

    def desired(self, logical_id: str, props: dict[str, JSON], code: Mapping[str, str]) -> dict[str, JSON]:
        """The properties to apply, given the graph's (a copy) and the built code packages' digests."""
        return props

    def live_changes(
        self, current: Current, props: dict[str, JSON], recorded: Mapping[str, JSON] | None
    ) -> list[str]:
        """Properties changed on the live resource in a way the state cannot show (edited out of band);
        ``recorded`` holds the attributes the last deploy recorded."""
        return []


def known(*values: JSON) -> bool:
    """Whether every value is resolved (no ``UNKNOWN`` inside, none missing)."""
    return all(value is not None and not contains_unknown(value) for value in values)


def not_owned_hint(ctx: ProviderContext) -> str:
    return (
        "squall changes and deletes only what carries the stage's tags: rename the construct or deploy "
        "another stage; if the resource is garbage, delete it; to hand it to this stage on purpose, tag it "
        f"{APP_TAG}={ctx.app} and {STAGE_TAG}={ctx.stage}"
    )


def ensure_owned(provider: Provider, ctx: ProviderContext, logical_id: str, current: Current) -> None:
    """``NotOwned`` unless the resource carries this stage's tags (or cannot be tagged)."""
    tags = provider.owner_tags(ctx, current)
    if tags is None:
        return
    owner = Owner.of(tags)
    if not owner.is_(ctx.app, ctx.stage):
        raise NotOwned(
            f"{logical_id} ({current.physical_id}, {provider.type}) already exists and belongs to "
            f"{owner.describe()}",
            hint=not_owned_hint(ctx),
        )
