"""Retrying what AWS refuses for a while: throttling, and the eventual consistency the deployer lives with.

- throttling (``Throttling``, ``TooManyRequestsException``, ...): backoff;
- a new IAM role not yet assumable by Lambda (``InvalidParameterValueException`` "cannot be assumed");
- ``ResourceConflictException``: a function is still ``Pending`` or its last update ``InProgress``;
- DynamoDB ``ResourceInUseException``/``LimitExceededException`` while a table or index is changing;
- SQS ``QueueDeletedRecently`` after a queue was deleted (AWS wants 60 s);
- S3 ``ConditionalRequestConflict``: another conditional write to the same key was in flight.

A target that does not answer at all is different: connection errors are retried for ``outage``
seconds (10) counted from the first one, shared by every call of the run, so a dead target stops a deploy
in about that time with ``TargetUnreachable`` rather than after every call has waited out its own deadline.
Any answer from the target ends the outage.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from squall.deploy.errors import TargetUnreachable, error_code, error_message

T = TypeVar("T")

THROTTLING = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    "PriorRequestNotComplete",
}
TRANSIENT = {
    "ResourceConflictException",
    "ResourceInUseException",
    "ConcurrentModificationException",
    "OperationAborted",
    "QueueDeletedRecently",
    "AWS.SimpleQueueService.QueueDeletedRecently",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "InternalFailure",
    "ConditionalRequestConflict",
}
ROLE_NOT_READY = "cannot be assumed by lambda"
SERVER_FAULTS = {"InternalError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException"}
MAX_SERVER_FAULTS = 4


def unreachable(exc: BaseException) -> bool:
    """The target did not answer (refused, reset, timed out): no answer at all, not an error it sent."""
    return isinstance(exc, (ConnectionError, ReadTimeoutError))


def retryable(exc: BaseException) -> bool:
    if unreachable(exc):
        return True
    if not isinstance(exc, ClientError):
        return False
    code = error_code(exc)
    message = error_message(exc).lower()
    if code in THROTTLING:
        return True
    if code in TRANSIENT:
        return "already exist" not in message
    if code == "InvalidParameterValueException":
        return ROLE_NOT_READY in message or "the provided execution role does not have permissions" in message
    if code == "LimitExceededException" and "subscriber limit" not in message:
        # DynamoDB: "Subscriber limit exceeded: Only 1 online index can be created or deleted ..."
        return "index" in message or "table" in message
    return False


@dataclass
class Retrier:
    """Calls with exponential backoff (capped) until ``deadline`` seconds have passed.

    One retrier serves a whole run (every thread of it): connection errors count against one shared
    ``outage`` budget.
    """

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    deadline: float = 300.0
    first_delay: float = 0.25
    max_delay: float = 5.0
    outage: float = 10.0
    """Seconds without any answer from the target after which calls stop retrying."""
    _outage_since: float | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        start = self.clock()
        delay = self.first_delay
        faults = 0
        while True:
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                if unreachable(exc):
                    delay = self._wait_out_outage(exc, delay)
                    continue
                self._answered()
                if not retryable(exc) or self.clock() - start + delay > self.deadline:
                    raise
                # A server fault may pass, but one that repeats is a bug to report, not to wait out.
                faults += isinstance(exc, ClientError) and error_code(exc) in SERVER_FAULTS
                if faults >= MAX_SERVER_FAULTS:
                    raise
            else:
                self._answered()
                return result
            self.sleep(delay)
            delay = min(delay * 2, self.max_delay)

    def _answered(self) -> None:
        if self._outage_since is not None:
            with self._lock:
                self._outage_since = None

    def _wait_out_outage(self, exc: Exception, delay: float) -> float:
        """Sleep before the next try of a call that got no answer; TargetUnreachable once the outage is over
        its budget. The next delay."""
        now = self.clock()
        with self._lock:
            if self._outage_since is None:
                self._outage_since = now
            since = self._outage_since
        left = self.outage - (now - since)
        if left <= 0:
            raise TargetUnreachable(
                f"the target stopped answering: {exc} (retried for {self.outage:.0f} s)",
                hint="once it answers again, run the command again: it continues where this one stopped",
            ) from exc
        self.sleep(min(delay, left))
        return min(delay * 2, 2.0)

    def wait_for(self, check: Callable[[], bool], *, timeout: float = 300.0, interval: float = 0.5) -> bool:
        """Poll ``check`` until it is true; False after ``timeout``."""
        start = self.clock()
        delay = min(interval, 0.05)
        while not check():
            if self.clock() - start > timeout:
                return False
            self.sleep(delay)
            delay = min(delay * 2, interval)
        return True
