"""The extension hook: how other parts of squall add behaviour to the local cloud.

A plugin is a function ``setup(registry: Registry) -> None`` that the daemon calls once at start.
With the registry it can

- claim requests before moto sees them: every request for a service and operation
  (``registry.claim("awslambda", "Invoke", handler)``) or under a path prefix
  (``registry.claim_path("/_squall/apis/", handler)``); a later claim replaces an earlier one, so a
  plugin can take over a built-in default;
- run background services (``registry.add_service(service)``): each gets its own thread and a
  ``CloudContext`` with the endpoint, the backends (under the state lock), a way to call moto through
  the journaled path, and a feed of "a mutation happened" notifications;
- receive the Lambda invocations moto itself starts (SNS, S3 and EventBridge deliveries, stream
  mappings) with ``registry.on_internal_invoke(callback)``. The callback runs while the state lock
  is held, so it must only hand the event over (to a queue) and return.

Handlers run on the request's thread without the state lock; they may call ``ctx.call(...)``.

Plugins are found in ``BUILTIN_PLUGINS``, in the ``squall.cloud.plugins`` entry-point group and in
``$SQUALL_CLOUD_PLUGINS`` (comma-separated ``module:function``).
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from squall.cloud.auth import AccessKey, Principal
    from squall.cloud.iam.denials import Denial

from squall.cloud.bodies import BodySlice, StreamedBody

BUILTIN_PLUGINS: tuple[str, ...] = (
    "squall.cloud.builtins.sqs_long_poll:setup",
    "squall.cloud.builtins.moto_fixes:setup",
    "squall.cloud.builtins.apigw_authorizers:setup",
    "squall.cloud.builtins.log_retention:setup",
    "squall.cloud.builtins.log_filter:setup",
    "squall.cloud.builtins.caller_identity:setup",
    "squall.host:setup",
    "squall.events:setup",
)
ENTRY_POINT_GROUP = "squall.cloud.plugins"


@dataclass(frozen=True)
class CloudRequest:
    """An AWS API request as it reached the local cloud (header names in lowercase).

    ``principal`` is who signed it, as the front door verified (None for requests squall makes itself,
    such as a plugin's ``ctx.call`` or a journal replay).
    """

    service: str
    operation: str | None
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    region: str = "us-east-1"
    host: str = "127.0.0.1"
    # a large S3 PutObject/UploadPart body, streamed to its own file (then ``body`` is empty)
    stream: StreamedBody | None = None
    principal: Principal | None = None

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def with_body(self, body: bytes) -> CloudRequest:
        headers = dict(self.headers)
        headers["content-length"] = str(len(body))
        return replace(self, body=body, headers=headers)


@dataclass(frozen=True)
class CloudResponse:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    # a large S3 object's body, sent from its file (then ``body`` is empty)
    stream: BodySlice | None = None

    @classmethod
    def json(cls, status: int, document: Any, headers: Mapping[str, str] | None = None) -> CloudResponse:
        merged = {"content-type": "application/json", **(headers or {})}
        return cls(status, merged, json.dumps(document).encode())

    @classmethod
    def aws_error(cls, status: int, code: str, message: str, *, sender: bool = True) -> CloudResponse:
        """An error every botocore protocol parser understands (JSON body plus the error-type header)."""
        body = {"__type": code, "code": code, "message": message, "Message": message}
        headers = {"x-amzn-errortype": code, "x-amzn-error-message": message}
        if not sender:
            body["Type"] = "Service"
        return cls.json(status, body, headers)


@dataclass(frozen=True)
class Mutation:
    """One acknowledged state change, numbered in the order it happened."""

    seq: int
    service: str
    operation: str | None
    region: str


class MutationFeed(Protocol):
    @property
    def last(self) -> int: ...

    def wait(self, after: int, timeout: float) -> int:
        """Block until a mutation numbered above ``after`` exists (or timeout); the newest number."""
        ...

    def since(self, after: int) -> list[Mutation]:
        """The recent mutations numbered above ``after`` (a bounded window)."""
        ...


class CloudContext(Protocol):
    """What plugins see of the running local cloud."""

    @property
    def endpoint(self) -> str: ...

    @property
    def data(self) -> Path: ...

    @property
    def mutations(self) -> MutationFeed: ...

    @property
    def stopping(self) -> Event: ...

    @property
    def home_key(self) -> AccessKey:
        """The home's own key pair: what squall's own calls (the live link) are signed with."""
        ...

    def call(self, request: CloudRequest) -> CloudResponse:
        """Serve ``request`` through moto: locked, journaled when it changes state, never claimed."""
        ...

    def locked(self) -> AbstractContextManager[None]:
        """Hold the state lock; read the backends only inside it."""
        ...

    def backend(self, service: str, region: str = "us-east-1", account_id: str = "123456789012") -> Any:
        """moto's backend object for a service in an account and region (use inside ``locked()``)."""
        ...


Handler = Callable[[CloudRequest, CloudContext], CloudResponse]
InternalInvoke = Callable[[str, bytes], None]


class BackgroundService(Protocol):
    name: str

    def run(self, ctx: CloudContext) -> None:
        """Run until ``ctx.stopping`` is set; called on a dedicated daemon thread."""
        ...


class Registry:
    """Claims, background services and internal-invoke callbacks, filled in by plugins."""

    def __init__(self) -> None:
        self._operations: dict[tuple[str, str], Handler] = {}
        self._prefixes: list[tuple[str, Handler]] = []
        self.services: list[BackgroundService] = []
        self.internal_invoke: InternalInvoke | None = None
        self.denial_listeners: list[Callable[[Denial], None]] = []

    def claim(self, service: str, operation: str, handler: Handler) -> None:
        """Serve ``operation`` of ``service`` (moto backend name, e.g. ``awslambda``) with ``handler``."""
        self._operations[(service, operation)] = handler

    def claim_path(self, prefix: str, handler: Handler) -> None:
        """Serve every request whose path starts with ``prefix``; the longest prefix wins."""
        self._prefixes = [(p, h) for p, h in self._prefixes if p != prefix] + [(prefix, handler)]
        self._prefixes.sort(key=lambda item: -len(item[0]))

    def add_service(self, service: BackgroundService) -> None:
        self.services.append(service)

    def on_internal_invoke(self, callback: InternalInvoke) -> None:
        """Receive ``(function_arn, payload)`` for invocations moto starts itself (see module docs)."""
        self.internal_invoke = callback

    def on_denial(self, callback: Callable[[Denial], None]) -> None:
        """Receive each request IAM denies (or would deny, in ``warn`` mode); called on the request's
        thread, so it must be quick."""
        self.denial_listeners.append(callback)

    def path_handler(self, path: str) -> Handler | None:
        return next((h for p, h in self._prefixes if path.startswith(p)), None)

    def operation_handler(self, service: str, operation: str | None) -> Handler | None:
        return self._operations.get((service, operation)) if operation else None


def plugin_names(environ: Mapping[str, str] | None = None) -> Iterator[str]:
    """Every plugin to load, built-ins first."""
    yield from BUILTIN_PLUGINS
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        yield entry.value
    extra = (environ if environ is not None else os.environ).get("SQUALL_CLOUD_PLUGINS", "")
    yield from (name.strip() for name in extra.split(",") if name.strip())


def load(registry: Registry, names: Iterator[str]) -> None:
    for name in names:
        module_name, _, attr = name.partition(":")
        setup: Callable[[Registry], None] = getattr(importlib.import_module(module_name), attr or "setup")
        setup(registry)
