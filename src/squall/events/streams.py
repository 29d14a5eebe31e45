"""DynamoDB streams → Lambda: one ordered poller per event source mapping.

moto keeps a table's stream as one shard (a list of records with consecutive sequence numbers).
A poller reads its shard under the state lock from its position, up to ``BatchSize`` records
(waiting up to ``MaximumBatchingWindowInSeconds`` for more), and invokes the function with one
batch at a time. On success the position moves past the batch and is saved under the cloud's data
folder, so a restart resumes where it stopped. On error the same batch is retried, with a backoff,
until it succeeds, as AWS does until a record expires: nothing is skipped or reordered. With
``ReportBatchItemFailures`` the position moves up to the first failed record only.

The position starts at the shard's beginning (``TRIM_HORIZON``) or where the stream ended when the
mapping was created (``LATEST``; recorded by ``moto_hooks``).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from squall.cloud.plugins import CloudContext
from squall.events.delivery import Host
from squall.events.mappings import MappingSpec, StoppableThreads
from squall.events.shapes import dynamodb_record

log = logging.getLogger(__name__)

IDLE_POLL = 0.5
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)


class Checkpoints:
    """Each mapping's next sequence number, in one small JSON file written atomically."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        try:
            self._positions: dict[str, int] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._positions = {}

    def get(self, uuid: str) -> int | None:
        with self._lock:
            return self._positions.get(uuid)

    def set(self, uuid: str, position: int) -> None:
        with self._lock:
            self._positions[uuid] = position
            self._path.parent.mkdir(parents=True, exist_ok=True)
            staging = self._path.with_name(f".{self._path.name}.tmp")
            staging.write_text(json.dumps(self._positions), encoding="utf-8")
            os.replace(staging, self._path)


def _shard(ctx: CloudContext, spec: MappingSpec) -> Any:
    """The moto shard behind the mapping's stream ARN (call under the state lock), or None."""
    backend = ctx.backend("dynamodb", spec.region, spec.account)
    for table in backend.tables.values():
        label = getattr(table, "latest_stream_label", None)
        if (
            label
            and table.stream_shard is not None
            and f"{table.table_arn}/stream/{label}" == spec.source_arn
        ):
            return table.stream_shard
    return None


def first_failed_sequence(payload: Any, sequences: list[int]) -> int | None:
    """With ReportBatchItemFailures: the earliest failed record's sequence number, or None."""
    if not isinstance(payload, dict) or not isinstance(payload.get("batchItemFailures"), list):
        return None
    failed: list[int] = []
    for failure in payload["batchItemFailures"]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        try:
            number = int(str(identifier))
        except ValueError:
            return sequences[0]
        if number not in sequences:
            return sequences[0]
        failed.append(number)
    return min(failed) if failed else None


class StreamPoller:
    def __init__(self, ctx: CloudContext, host: Host, spec: MappingSpec, checkpoints: Checkpoints) -> None:
        self._ctx = ctx
        self._host = host
        self._spec = spec
        self._checkpoints = checkpoints
        self._threads = StoppableThreads(f"stream-{spec.uuid[:8]}", self._loop)

    def start(self) -> None:
        self._threads.start()

    def stop(self) -> None:
        self._threads.stop()

    def join(self, timeout: float) -> None:
        self._threads.join(timeout)

    def _running(self) -> bool:
        return not (self._threads.stopped.is_set() or self._ctx.stopping.is_set())

    def _start_position(self) -> int | None:
        saved = self._checkpoints.get(self._spec.uuid)
        if saved is not None:
            return saved
        with self._ctx.locked():
            shard = _shard(self._ctx, self._spec)
            if shard is None:
                return None
            first = int(shard.starting_sequence_number)
            if self._spec.starting_position == "LATEST":
                start = self._spec.start_sequence
                return start if start is not None else first + len(shard.items)
            return first

    def _read(self, position: int) -> list[dict[str, Any]]:
        with self._ctx.locked():
            shard = _shard(self._ctx, self._spec)
            if shard is None:
                return []
            offset = max(0, position - int(shard.starting_sequence_number))
            items = shard.items[offset : offset + self._spec.batch_size]
            return [copy.deepcopy(item.to_json()) for item in items]

    def _loop(self) -> None:
        position: int | None = None
        seen = self._ctx.mutations.last
        while self._running():
            try:
                if position is None:
                    position = self._start_position()
                    if position is None:
                        seen = self._wait(seen, IDLE_POLL)
                        continue
                records, seen = self._gather(position, seen)
                if records:
                    position = self._deliver(records, position)
                else:
                    seen = self._wait(seen, IDLE_POLL)
            except Exception:
                log.exception("the stream poller for %s failed; retrying", self._spec.source_arn)
                self._threads.stopped.wait(1.0)

    def _gather(self, position: int, seen: int) -> tuple[list[dict[str, Any]], int]:
        records = self._read(position)
        if not records or len(records) >= self._spec.batch_size or self._spec.window <= 0:
            return records, seen
        deadline = time.monotonic() + self._spec.window
        while self._running() and len(records) < self._spec.batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            seen = self._wait(seen, remaining)
            records = self._read(position)
        return records, seen

    def _wait(self, seen: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        feed = self._ctx.mutations
        while self._running():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            last = feed.wait(seen, remaining)
            woken = any(m.service == "dynamodb" for m in feed.since(seen))
            seen = last
            if woken:
                break
        return seen

    def _deliver(self, records: list[dict[str, Any]], position: int) -> int:
        """Invoke until the batch succeeds (or the poller stops); the next position."""
        spec = self._spec
        event = {"Records": [dynamodb_record(r, spec.source_arn, spec.region) for r in records]}
        sequences = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
        attempt = 0
        while self._running():
            try:
                result = self._host.invoke(spec.function_arn, spec.region, event)
                ok = result.error_type is None
                payload = result.payload
            except Exception as exc:
                log.debug("stream delivery to %s failed: %s", spec.function_arn, exc)
                ok, payload = False, None
            if ok:
                failed = first_failed_sequence(payload, sequences) if spec.report_failures else None
                if failed is None:
                    return self._advance(sequences[-1] + 1)
                if failed > sequences[0]:
                    return self._advance(failed)
            self._threads.stopped.wait(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
            attempt += 1
        return position

    def _advance(self, position: int) -> int:
        self._checkpoints.set(self._spec.uuid, position)
        return position


class StreamPollers:
    """Builds stream pollers that share one checkpoint file."""

    def __init__(self) -> None:
        self._checkpoints: Checkpoints | None = None

    def __call__(self, ctx: CloudContext, host: Host, spec: MappingSpec) -> StreamPoller:
        if self._checkpoints is None:
            self._checkpoints = Checkpoints(ctx.data / "events" / "stream-positions.json")
        return StreamPoller(ctx, host, spec, self._checkpoints)
