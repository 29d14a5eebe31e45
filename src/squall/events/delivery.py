"""How events reach functions: through the function host that ``squall.host`` registered.

The host plugin keeps its ``FunctionHost`` to itself; the services it registers (the async invoker
and the log shipper) carry it, so ``find_host`` looks for it there. Sources that AWS delivers
asynchronously (S3, SNS, schedules) go through ``FunctionHost.invoke_async`` and get AWS's two
retries; polled sources (SQS, streams) call ``FunctionHost.invoke`` and act on the answer.

``AsyncDeliveries`` is fed by moto's hooks while the state lock is held, so it only queues. Hooks
also run while the journal is replayed at start; those deliveries happened before the restart, so
nothing is queued until the service runs (the cloud serves no request before that).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from squall.cloud.plugins import CloudContext, Registry

log = logging.getLogger(__name__)


class Host(Protocol):
    """The part of ``squall.host.functions.FunctionHost`` event sources use."""

    def bind(self, ctx: CloudContext) -> None: ...

    def invoke(self, name_or_arn: str, region: str, event: Any, request_id: str | None = None) -> Any: ...

    def invoke_async(self, name_or_arn: str, region: str, event: Any) -> str: ...

    def pool(self, name_or_arn: str, region: str) -> tuple[Any, Any]: ...


def find_host(registry: Registry) -> Host | None:
    """The function host behind the services ``squall.host`` registered, if it is loaded."""
    for service in registry.services:
        host = getattr(service, "_host", None)
        if host is not None and hasattr(host, "invoke_async") and hasattr(host, "invoke"):
            return host  # type: ignore[no-any-return]
    return None


def region_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 4 and parts[3] else "us-east-1"


class AsyncDeliveries:
    """Events for asynchronous invocation, handed to the host once the cloud is serving."""

    name = "events-async-deliveries"

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._host: Host | None = None
        self._live = threading.Event()

    def submit(self, function_arn: str, event: Any) -> None:
        """Queue one ``Event`` invocation; safe under the state lock."""
        if not self._live.is_set():
            return
        if self._host is None:
            log.warning("no function host: dropped an event for %s", function_arn)
            return
        self._host.invoke_async(function_arn, region_of(function_arn), event)

    def run(self, ctx: CloudContext) -> None:
        self._host = find_host(self._registry)
        if self._host is not None:
            self._host.bind(ctx)
        self._live.set()
        ctx.stopping.wait()
