"""The local cloud's request path, shared by HTTP requests, plugins and journal replay.

``LocalCloud.handle`` routes a request: a plugin's claim if one matches, otherwise ``call``, which
runs moto under the single state lock. moto is not safe for concurrent use (its models iterate and
mutate plain dicts and share one random generator), and with the GIL a request spends well under a
millisecond inside moto, so one lock costs little and keeps every ordering simple: the journal's
order is the order requests changed state. A request that changes state is journaled (seed, time,
request) after moto accepted it and before the answer is sent.
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

from squall.cloud import clock, lambda_stub
from squall.cloud.auth.keys import AccessKey, home_credentials
from squall.cloud.feed import Feed
from squall.cloud.moto_bridge import MotoBridge
from squall.cloud.operations import Target, is_mutating
from squall.cloud.plugins import CloudRequest, CloudResponse, Registry
from squall.cloud.record import Record
from squall.cloud.store import Recovery, Store

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

    def recover(self) -> Recovery:
        with self.lock:
            return self.store.recover(self.bridge.live, self._replay)

    def handle(self, request: CloudRequest) -> CloudResponse:
        handler = self.registry.path_handler(request.path) or self.registry.operation_handler(
            request.service, request.operation
        )
        if handler is not None:
            return handler(request, self)
        return self.call(request)

    def call(self, request: CloudRequest) -> CloudResponse:
        target = Target(request.service, request.region, request.operation)
        mutating = is_mutating(target, request.method)
        with self.lock:
            seed = self._seeds.getrandbits(63)
            now = time.time()
            self._random.seed(seed)
            with clock.pinned(now):
                status, headers, body = self.bridge.handle(
                    request.service,
                    request.region,
                    request.method,
                    request.path,
                    request.query,
                    request.headers,
                    request.body,
                    request.host,
                )
            if mutating and status < 400 and not _empty_receive(request, body):
                record = Record(
                    seed,
                    now,
                    request.service,
                    request.region,
                    request.method,
                    request.path,
                    request.query,
                    tuple(request.headers.items()),
                    request.body,
                )
                self.store.append(record)
        if mutating and status < 400:
            self.feed.publish(request.service, request.operation, request.region)
        return CloudResponse(status, headers, body)

    def _replay(self, record: Record) -> None:
        headers = dict(record.headers)
        self._random.seed(record.seed)
        with clock.pinned(record.at):
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


def _empty_receive(request: CloudRequest, body: bytes) -> bool:
    """An SQS receive that returned nothing changed nothing worth replaying."""
    if request.service != "sqs" or request.operation != "ReceiveMessage":
        return False
    return b"<Message>" not in body and b'"Messages"' not in body
