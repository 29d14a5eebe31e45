"""SQS → Lambda: a poller per event source mapping, with AWS's delivery semantics.

Each poller runs a few threads (``MaximumConcurrency`` from the mapping's scaling config, else
``DEFAULT_CONCURRENCY``); one at a time, a thread gathers a batch with ``ReceiveMessage`` through the journaled
path (up to ``BatchSize``, waiting up to ``MaximumBatchingWindowInSeconds`` for a fuller batch),
invokes the function synchronously and deletes what succeeded. Nothing else removes a message:

- a function error (or a throttle, or a missing function) fails the whole batch: its messages
  stay in the queue and return after the visibility timeout;
- with ``ReportBatchItemFailures`` the answer ``{"batchItemFailures": [{"itemIdentifier": id}]}``
  keeps just those messages; a malformed answer fails the whole batch, as on AWS;
- a message received ``maxReceiveCount`` times moves to the redrive policy's DLQ on the next
  receive (moto does that in ``ReceiveMessage``, which is when SQS does it);
- FIFO queues: moto withholds a message group while any of its messages is in flight, so each
  group has at most one batch in flight, in order.

A poller sleeps on the mutation feed and wakes when something may have added a message to a queue
(an SQS send or visibility change, an SNS publish, an S3 write, an EventBridge event), and at least
every ``IDLE_POLL`` seconds for messages whose delay or visibility timeout ended.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from squall.cloud.plugins import CloudContext, Mutation
from squall.events.calls import CallFailed, queue_url, sqs
from squall.events.delivery import Host
from squall.events.mappings import MappingSpec, StoppableThreads
from squall.events.shapes import sqs_record

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 4
IDLE_POLL = 0.2
THROTTLE_RETRIES = 5


def successful_ids(message_ids: Sequence[str], payload: Any, report_failures: bool) -> list[str] | None:
    """The messages a successful invocation processed; None when the whole batch failed.

    Without ``ReportBatchItemFailures`` a successful invocation processed every message. With it,
    a null, empty or non-object answer, or an empty/absent list, means all succeeded; an entry
    without a known ``itemIdentifier`` makes the whole batch fail (AWS's rules).
    """
    if not report_failures or not isinstance(payload, dict):
        return list(message_ids)
    failures = payload.get("batchItemFailures")
    if failures is None:
        return list(message_ids)
    if not isinstance(failures, list):
        return None
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in message_ids:
            return None
        failed.add(identifier)
    return [message_id for message_id in message_ids if message_id not in failed]


def wakes_queue_pollers(mutation: Mutation, region: str) -> bool:
    """Whether ``mutation`` may have put a message into a queue of ``region``."""
    operation = mutation.operation or ""
    if mutation.region != region and mutation.service != "s3":
        return False
    if mutation.service == "sqs":
        return operation.startswith(("Send", "ChangeMessageVisibility"))
    if mutation.service == "sns":
        return operation.startswith("Publish")
    return mutation.service == "s3" or (mutation.service == "events" and operation == "PutEvents")


class SqsPoller:
    def __init__(self, ctx: CloudContext, host: Host, spec: MappingSpec) -> None:
        self._ctx = ctx
        self._host = host
        self._spec = spec
        self._url = queue_url(ctx, spec.source_arn)
        count = spec.max_concurrency or DEFAULT_CONCURRENCY
        self._threads = StoppableThreads(f"sqs-{spec.uuid[:8]}", self._loop, count)
        self._gathering = threading.Lock()
        """One thread gathers a batch at a time (so batches fill up); invocations run side by side."""

    def start(self) -> None:
        self._threads.start()

    def stop(self) -> None:
        self._threads.stop()

    def join(self, timeout: float) -> None:
        self._threads.join(timeout)

    def _running(self) -> bool:
        return not (self._threads.stopped.is_set() or self._ctx.stopping.is_set())

    def _loop(self) -> None:
        while self._running():
            try:
                with self._gathering:
                    batch = self._gather()
                if batch:
                    self._process(batch)
            except Exception:
                log.exception("the SQS poller for %s failed; retrying", self._spec.source_arn)
                self._threads.stopped.wait(1.0)

    def _receive(self, count: int) -> list[dict[str, Any]]:
        document = {
            "QueueUrl": self._url,
            "MaxNumberOfMessages": count,
            "AttributeNames": ["All"],
            "MessageSystemAttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
            "WaitTimeSeconds": 0,
        }
        messages: list[dict[str, Any]] = sqs(self._ctx, "ReceiveMessage", self._spec.region, document).get(
            "Messages", []
        )
        return messages

    def _gather(self) -> list[dict[str, Any]]:
        spec = self._spec
        batch: list[dict[str, Any]] = []
        deadline: float | None = None
        seen = self._ctx.mutations.last
        while self._running():
            want = min(10, spec.batch_size - len(batch))
            try:
                got = self._receive(want)
            except CallFailed as exc:
                log.debug("receive from %s failed: %s", spec.source_arn, exc)
                self._threads.stopped.wait(1.0)
                return batch
            batch += got
            if len(batch) >= spec.batch_size or (got and len(got) == want):
                if len(batch) >= spec.batch_size:
                    return batch
                continue
            now = time.monotonic()
            if batch and deadline is None:
                deadline = now + spec.window
            if deadline is not None and now >= deadline:
                return batch
            timeout = IDLE_POLL if deadline is None else min(IDLE_POLL, deadline - now)
            seen = self._wait(seen, timeout)
        return batch

    def _wait(self, seen: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        feed = self._ctx.mutations
        while self._running():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return feed.last
            last = feed.wait(seen, remaining)
            if any(wakes_queue_pollers(m, self._spec.region) for m in feed.since(seen)):
                return last
            seen = last
        return seen

    def _release(self, batch: list[dict[str, Any]]) -> None:
        """Make a gathered batch visible again at once: its mapping was disabled or deleted meanwhile."""
        for start in range(0, len(batch), 10):
            entries = [
                {"Id": str(index), "ReceiptHandle": str(message["ReceiptHandle"]), "VisibilityTimeout": 0}
                for index, message in enumerate(batch[start : start + 10])
            ]
            try:
                sqs(
                    self._ctx,
                    "ChangeMessageVisibilityBatch",
                    self._spec.region,
                    {"QueueUrl": self._url, "Entries": entries},
                )
            except CallFailed as exc:
                log.debug("could not release messages to %s: %s", self._spec.source_arn, exc)

    def _process(self, batch: list[dict[str, Any]]) -> None:
        spec = self._spec
        if not self._running():
            # Disabled, changed or deleted after this batch was received, before it reached the function
            # (the supervisor halts the poller before that request is answered): the messages go back to the
            # queue now rather than waiting out their visibility timeout.
            self._release(batch)
            self.stop()
            return
        event = {"Records": [sqs_record(message, spec.source_arn, spec.region) for message in batch]}
        payload = self._invoke(event)
        if payload is None:
            return
        ids = [str(message["MessageId"]) for message in batch]
        done = successful_ids(ids, payload[0], spec.report_failures)
        if not done:
            return
        handles = {str(m["MessageId"]): str(m["ReceiptHandle"]) for m in batch}
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(index), "ReceiptHandle": handles[message_id]}
                for index, message_id in enumerate(done[start : start + 10])
            ]
            try:
                sqs(
                    self._ctx,
                    "DeleteMessageBatch",
                    spec.region,
                    {"QueueUrl": self._url, "Entries": entries},
                )
            except CallFailed as exc:
                log.warning("could not delete processed messages from %s: %s", spec.source_arn, exc)

    def _invoke(self, event: dict[str, Any]) -> tuple[Any] | None:
        """The function's answer (in a 1-tuple), or None when the invocation failed."""
        from squall.runtime import TooManyRequests

        delay = 0.05
        for _ in range(THROTTLE_RETRIES):
            try:
                result = self._host.invoke(self._spec.function_arn, self._spec.region, event)
            except TooManyRequests:
                self._threads.stopped.wait(delay)
                delay *= 2
                continue
            except Exception as exc:
                log.warning(
                    "could not invoke %s for %s: %s", self._spec.function_arn, self._spec.source_arn, exc
                )
                self._threads.stopped.wait(0.5)
                return None
            if result.error_type is not None:
                return None
            return (result.payload,)
        return None


def make_poller(ctx: CloudContext, host: Host, spec: MappingSpec) -> SqsPoller:
    return SqsPoller(ctx, host, spec)
