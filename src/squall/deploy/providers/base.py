"""What every provider is: how to find, create, update in place and delete one resource type.

Providers get resolved properties (intrinsics already replaced by values) and a ``ProviderContext`` with
the clients, the retrier and the build's artifacts. They return what the stage's state records about the
resource: its physical id and its attributes (``Arn``, ``ApiEndpoint``, ``QueueUrl``, ... and ``Ref``,
the value ``{"Ref": logical_id}`` resolves to).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from squall.deploy.clients import Clients
from squall.deploy.errors import error_code
from squall.deploy.intrinsics import contains_unknown
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


def known(*values: JSON) -> bool:
    """Whether every value is resolved (no ``UNKNOWN`` inside, none missing)."""
    return all(value is not None and not contains_unknown(value) for value in values)
