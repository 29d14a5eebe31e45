"""Lambda event source mappings as the pollers see them, and the supervisor that runs the pollers.

The mappings live in moto's Lambda backends (``CreateEventSourceMapping`` and friends are plain
moto operations). ``read_mappings`` copies them out under the state lock; ``MappingSupervisor``
keeps one poller per enabled mapping of its kind and replaces it when the mapping changes (batch
size, window, enabled, function). It re-reads on every Lambda mutation, and once a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from squall.cloud.plugins import CloudContext, Registry
from squall.events.delivery import Host, find_host

log = logging.getLogger(__name__)

_REFRESH = 1.0


@dataclass(frozen=True)
class MappingSpec:
    uuid: str
    function_arn: str
    source_arn: str
    region: str
    account: str
    enabled: bool
    batch_size: int
    window: float
    report_failures: bool
    starting_position: str | None
    start_sequence: int | None
    max_concurrency: int | None

    @property
    def kind(self) -> str:
        return self.source_arn.split(":")[2]


def _spec(esm: Any, region: str, account: str) -> MappingSpec:
    kind = esm.event_source_arn.split(":")[2]
    default_batch = 10 if kind == "sqs" else 100
    scaling = esm.scaling_config or {}
    return MappingSpec(
        uuid=esm.uuid,
        function_arn=esm.function_arn,
        source_arn=esm.event_source_arn,
        region=region,
        account=account,
        enabled=bool(esm.enabled),
        batch_size=int(esm.batch_size or default_batch),
        window=float(esm.max_batch_window or 0),
        report_failures="ReportBatchItemFailures" in (esm.function_response_types or []),
        starting_position=esm.starting_position,
        start_sequence=getattr(esm, "squall_start", None),
        max_concurrency=scaling.get("MaximumConcurrency") if isinstance(scaling, dict) else None,
    )


def read_mappings(ctx: CloudContext) -> list[MappingSpec]:
    from moto.awslambda.models import lambda_backends

    specs: list[MappingSpec] = []
    with ctx.locked():
        for account, regions in list(lambda_backends.items()):
            for region, backend in list(regions.items()):
                for esm in list(getattr(backend, "_event_source_mappings", {}).values()):
                    try:
                        specs.append(_spec(esm, region, account))
                    except Exception:  # a mapping moto stored half-made: skip it, as AWS would not exist
                        log.debug("skipped event source mapping", exc_info=True)
    return specs


class Poller(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None:
        """Ask the poller to finish its batch in flight and end."""
        ...

    def join(self, timeout: float) -> None: ...


PollerFactory = Callable[[CloudContext, Host, MappingSpec], Poller]


class MappingSupervisor:
    """A background service keeping one poller per enabled mapping of one source kind."""

    def __init__(self, name: str, registry: Registry, kind: str, factory: PollerFactory, exclusive: bool):
        self.name = name
        self._registry = registry
        self._kind = kind
        self._factory = factory
        self._exclusive = exclusive
        """Whether a replaced poller must end before its successor starts (ordered sources)."""
        self._running: dict[str, tuple[MappingSpec, Poller]] = {}
        self._lock = threading.Lock()

    def halt(self, uuid: str) -> None:
        """Stop the poller of a mapping being deleted or changed, before the request is answered: a batch it
        gathers from now on goes back to the queue (the supervisor starts a successor if one is wanted)."""
        with self._lock:
            found = self._running.get(uuid)
        if found is not None:
            found[1].stop()

    def run(self, ctx: CloudContext) -> None:
        host = find_host(self._registry)
        if host is None:
            log.warning("no function host is loaded: %s event sources are not delivered", self._kind)
            return
        host.bind(ctx)
        running = self._running
        seen = ctx.mutations.last
        while not ctx.stopping.is_set():
            wanted = {s.uuid: s for s in read_mappings(ctx) if s.kind == self._kind and s.enabled}
            for uuid in list(running):
                if wanted.get(uuid) != running[uuid][0]:
                    with self._lock:
                        _, poller = running.pop(uuid)
                    poller.stop()
                    if self._exclusive:
                        poller.join(timeout=60.0)
            for uuid, spec in wanted.items():
                if uuid not in running:
                    poller = self._factory(ctx, host, spec)
                    poller.start()
                    with self._lock:
                        running[uuid] = (spec, poller)
            seen = _wait_for_lambda_change(ctx, seen, _REFRESH)
        for _, poller in running.values():
            poller.stop()


def _wait_for_lambda_change(ctx: CloudContext, seen: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while not ctx.stopping.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        last = ctx.mutations.wait(seen, remaining)
        changed = any(m.service == "awslambda" for m in ctx.mutations.since(seen))
        seen = last
        if changed:
            break
    return seen


class StoppableThreads:
    """Threads running ``target`` until ``stop``; shared by the pollers."""

    def __init__(self, name: str, target: Callable[[], None], count: int = 1) -> None:
        self.stopped = threading.Event()
        self._threads = [
            threading.Thread(target=target, name=f"{name}-{i}", daemon=True) for i in range(max(1, count))
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self.stopped.set()

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
