"""Shipping invocation output to CloudWatch Logs, in batches, through the local cloud's journaled path."""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass

from squall.cloud.plugins import CloudContext, CloudRequest

FLUSH_SECONDS = 0.2

MAX_BATCH = 5000


@dataclass(frozen=True)
class LogBatch:
    group: str
    stream: str
    region: str
    events: list[tuple[int, str]]
    """(epoch milliseconds, message) each."""
    generation: int = 0
    """The stream's generation when submitted: a batch for a stream deleted since is dropped."""
    group_generation: int = 0
    """The same for the whole group (all of a deleted function's streams)."""


def _logs_request(operation: str, document: dict[str, object], region: str) -> CloudRequest:
    return CloudRequest(
        service="logs",
        operation=operation,
        method="POST",
        path="/",
        query="",
        headers={
            "x-amz-target": f"Logs_20140328.{operation}",
            "content-type": "application/x-amz-json-1.1",
            "authorization": f"AWS4-HMAC-SHA256 Credential=squall/20200101/{region}/logs/aws4_request",
        },
        body=json.dumps(document).encode(),
        region=region,
    )


class LogShipper:
    """A background service: ``submit`` is cheap; a thread writes batches every ``FLUSH_SECONDS``."""

    name = "lambda-logs"

    def __init__(self) -> None:
        self._queue: queue.Queue[LogBatch] = queue.Queue()
        self._known: set[tuple[str, str, str]] = set()
        self._generations: dict[tuple[str, str, str], int] = {}
        self._group_generations: dict[str, int] = {}
        self._writing = threading.Lock()  # a stream is deleted between writes, never during one
        self._ctx: CloudContext | None = None
        self.flushed = threading.Event()

    def submit(self, group: str, stream: str, region: str, text: str) -> None:
        """One event per line of ``text`` (``\r`` is not a line break: it joins a record's lines)."""
        now = int(time.time() * 1000)
        events = [(now, line) for line in text.split("\n") if line.strip()]
        if events:
            self._put(group, stream, region, events)

    def submit_events(self, group: str, stream: str, region: str, events: list[tuple[int, str]]) -> None:
        """Events as they are, each with its own timestamp."""
        if events:
            self._put(group, stream, region, events)

    def submit_record(self, group: str, stream: str, region: str, message: str) -> None:
        """One log event holding ``message`` whole, even across lines."""
        self._put(group, stream, region, [(int(time.time() * 1000), message)])

    def _put(self, group: str, stream: str, region: str, events: list[tuple[int, str]]) -> None:
        generation = self._generations.get((group, stream, region), 0)
        group_generation = self._group_generations.get(group, 0)
        self._queue.put(LogBatch(group, stream, region, events, generation, group_generation))

    def run(self, ctx: CloudContext) -> None:
        self._ctx = ctx
        while not ctx.stopping.is_set():
            try:
                first = self._queue.get(timeout=FLUSH_SECONDS)
            except queue.Empty:
                continue
            # Let a window's worth gather: every PutLogEvents is a journaled request, and fewer, larger
            # ones keep the cloud from compacting its state over and over under load.
            ctx.stopping.wait(FLUSH_SECONDS)
            batches = [first]
            while len(batches) < MAX_BATCH:
                try:
                    batches.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            with self._writing:
                self._write(ctx, batches)

    def _write(self, ctx: CloudContext, batches: list[LogBatch]) -> None:
        grouped: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
        for batch in batches:
            if batch.generation < self._generations.get(
                (batch.group, batch.stream, batch.region), 0
            ) or batch.group_generation < self._group_generations.get(batch.group, 0):
                continue  # its stream was deleted after it was submitted (its function is gone)
            grouped.setdefault((batch.group, batch.stream, batch.region), []).extend(batch.events)
        for (group, stream, region), pairs in grouped.items():
            pairs.sort(key=lambda pair: pair[0])  # PutLogEvents wants them in order; sort is stable
            events = [{"timestamp": at, "message": message} for at, message in pairs]
            self._ensure_stream(ctx, group, stream, region)
            for start in range(0, len(events), 10_000):
                ctx.call(
                    _logs_request(
                        "PutLogEvents",
                        {
                            "logGroupName": group,
                            "logStreamName": stream,
                            "logEvents": events[start : start + 10_000],
                        },
                        region,
                    )
                )

    def delete_stream(self, ctx: CloudContext, group: str, stream: str, region: str) -> None:
        """Delete a stream (gone already is fine), with what was submitted to it and not written yet; a
        later ``submit`` to it creates it again."""
        key = (group, stream, region)
        with self._writing:
            self._generations[key] = self._generations.get(key, 0) + 1
            self._known.discard(key)
            ctx.call(
                _logs_request("DeleteLogStream", {"logGroupName": group, "logStreamName": stream}, region)
            )

    def forget_group(self, group: str) -> None:
        """Drop what was submitted to ``group`` and not written yet (its function was deleted: writing
        would bring back the log group its deploy removes); later submits create it again."""
        with self._writing:
            self._group_generations[group] = self._group_generations.get(group, 0) + 1
            self._known = {key for key in self._known if key[0] != group}

    def _ensure_stream(self, ctx: CloudContext, group: str, stream: str, region: str) -> None:
        key = (group, stream, region)
        if key in self._known:
            return
        ctx.call(_logs_request("CreateLogGroup", {"logGroupName": group}, region))
        ctx.call(_logs_request("CreateLogStream", {"logGroupName": group, "logStreamName": stream}, region))
        self._known.add(key)
