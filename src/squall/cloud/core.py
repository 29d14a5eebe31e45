"""The local cloud's request path, shared by HTTP requests, plugins and journal replay.

``LocalCloud.handle`` routes a request: what the service would refuse is answered with its error
(``validation``), then a plugin's claim if one matches, otherwise ``call``, which
runs moto under the single state lock. moto is not safe for concurrent use (its models iterate and
mutate plain dicts and share one random generator), and with the GIL a request spends well under a
millisecond inside moto, so one lock costs little and keeps every ordering simple: the journal's
order is the order requests changed state. A request that changes state is journaled (number, seed,
time, request) after moto accepted it and before the answer is sent; in strict durability the answer
also waits, outside the lock, for an ``fsync`` that covers the record (``Store.wait_durable``).

A streamed S3 body (``CloudRequest.stream``) reaches moto as an empty body inside
``s3_values.adopting``, so the key moto creates takes the body's file; the record then names that
file instead of carrying the bytes.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from squall.cloud import clock, lambda_stub, moto_limits, s3_values, validation
from squall.cloud.auth.keys import AccessKey, home_credentials
from squall.cloud.bodies import BodySlice
from squall.cloud.feed import Feed
from squall.cloud.moto_bridge import MotoBridge
from squall.cloud.operations import Target, is_mutating
from squall.cloud.plugins import CloudRequest, CloudResponse, Registry
from squall.cloud.record import Record
from squall.cloud.store import Progress, Recovery, RepairReport, Store

log = logging.getLogger(__name__)


class LocalCloud:
    """The state (moto's backends), its lock, its journal and the plugins' registry."""

    def __init__(
        self,
        data: Path,
        registry: Registry,
        store: Store,
        endpoint: str = "",
        home_key: AccessKey | None = None,
    ) -> None:
        from moto.moto_api._internal import mock_random

        self._data = data
        self._home_key = home_key or home_credentials(data.parent)
        self.registry = registry
        self.store = store
        self.endpoint = endpoint
        self.bridge = MotoBridge()
        s3_values.install(store.bodies)
        self.lock = threading.Lock()
        self.feed = Feed()
        self._stopping = threading.Event()
        self._random: Any = mock_random
        self._seeds = random.Random()
        lambda_stub.set_internal_invoke(registry.internal_invoke)

    # CloudContext
    @property
    def data(self) -> Path:
        return self._data

    @property
    def mutations(self) -> Feed:
        return self.feed

    @property
    def stopping(self) -> threading.Event:
        return self._stopping

    @property
    def home_key(self) -> AccessKey:
        return self._home_key

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self.lock:
            yield

    def backend(self, service: str, region: str = "us-east-1", account_id: str = "123456789012") -> Any:
        return self.bridge.backend(service, region, account_id)

    def recover(self, progress: Progress | None = None) -> Recovery:
        with self.lock, moto_limits.restoring():
            if progress is None:
                return self.store.recover(self.bridge.live, self._replay)
            return self.store.recover(self.bridge.live, self._replay, progress)

    def repair(self, progress: Progress | None = None) -> RepairReport:
        with self.lock, moto_limits.restoring():
            if progress is None:
                return self.store.repair(self.bridge.live, self._replay)
            return self.store.repair(self.bridge.live, self._replay, progress)

    def handle(self, request: CloudRequest, *, stream_response: bool = False) -> CloudResponse:
        """Serve ``request``; with ``stream_response`` a large S3 body may come back as ``response.stream``."""
        handler = self.registry.path_handler(request.path)
        if handler is None:
            refused = validation.check(request)  # what AWS would refuse never reaches plugins or moto
            if refused is not None:
                return refused
            handler = self.registry.operation_handler(request.service, request.operation)
        if handler is not None:
            return handler(request, self)
        return self.call(request, stream_response=stream_response)

    def call(self, request: CloudRequest, *, stream_response: bool = False) -> CloudResponse:
        target = Target(request.service, request.region, request.operation)
        mutating = is_mutating(target, request.method)
        stream = request.stream
        headers = request.headers
        if stream is not None:
            headers = {**headers, **dict(stream.ref.checksums)}
        position = None
        adoption = s3_values.Adoption()
        try:
            with self.lock:
                seed = self._seeds.getrandbits(63)
                now = time.time()
                self._random.seed(seed)
                value = self.store.bodies.open(stream.ref) if stream is not None else None
                lazy = s3_values.lazily(stream_response)
                began = time.perf_counter()
                with s3_values.adopting(value) as adoption, lazy, clock.pinned(now):
                    status, out_headers, body = self.bridge.handle(
                        request.service,
                        request.region,
                        request.method,
                        request.path,
                        request.query,
                        headers,
                        request.body,
                        request.host,
                    )
                if stream is not None and not adoption.adopted and status < 400:
                    log.error("moto accepted a streamed %s body without storing it", request.operation)
                if mutating and status < 400 and not _empty_receive(request, body):
                    record = Record(
                        self.store.number(),
                        seed,
                        now,
                        request.service,
                        request.region,
                        request.method,
                        request.path,
                        request.query,
                        tuple(request.headers.items()),
                        request.body,
                        stream.ref if stream is not None and adoption.adopted else None,
                    )
                    position = self.store.append(record, time.perf_counter() - began)
        finally:
            if stream is not None:
                self.store.bodies.settle(stream.ref.name, keep=adoption.adopted)
        if position is not None:
            self.store.wait_durable(position)
        if mutating and status < 400:
            self.feed.publish(request.service, request.operation, request.region)
        if isinstance(body, BodySlice):
            return CloudResponse(status, out_headers, b"", body)
        return CloudResponse(status, out_headers, body)

    def _replay(self, record: Record) -> None:
        headers = dict(record.headers)
        value = None
        if record.body_ref is not None:
            headers.update(record.body_ref.checksums)
            value = self.store.bodies.open(record.body_ref)
        self._random.seed(record.seed)
        with s3_values.adopting(value), clock.pinned(record.at):
            self.bridge.handle(
                record.service,
                record.region,
                record.method,
                record.path,
                record.query,
                headers,
                record.body,
                headers.get("host", "127.0.0.1"),
            )


def _empty_receive(request: CloudRequest, body: bytes | BodySlice) -> bool:
    """An SQS receive that returned nothing changed nothing worth replaying."""
    if request.service != "sqs" or request.operation != "ReceiveMessage" or not isinstance(body, bytes):
        return False
    return b"<Message>" not in body and b'"Messages"' not in body
