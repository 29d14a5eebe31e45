"""Retrying what AWS refuses for a while: throttling, and the eventual consistency the deployer lives with.

- throttling (``Throttling``, ``TooManyRequestsException``, ...): backoff;
- a new IAM role not yet assumable by Lambda (``InvalidParameterValueException`` "cannot be assumed");
- ``ResourceConflictException``: a function is still ``Pending`` or its last update ``InProgress``;
- DynamoDB ``ResourceInUseException``/``LimitExceededException`` while a table or index is changing;
- SQS ``QueueDeletedRecently`` after a queue was deleted (AWS wants 60 s).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from squall.deploy.errors import error_code, error_message

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
}
ROLE_NOT_READY = "cannot be assumed by lambda"
SERVER_FAULTS = {"InternalError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException"}
MAX_SERVER_FAULTS = 4


def retryable(exc: BaseException) -> bool:
    if isinstance(exc, (ConnectionError, ReadTimeoutError)):
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
    """Calls with exponential backoff (capped) until ``deadline`` seconds have passed."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    deadline: float = 300.0
    first_delay: float = 0.25
    max_delay: float = 5.0

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        start = self.clock()
        delay = self.first_delay
        faults = 0
        while True:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if not retryable(exc) or self.clock() - start + delay > self.deadline:
                    raise
                # A server fault may pass, but one that repeats is a bug to report, not to wait out.
                faults += isinstance(exc, ClientError) and error_code(exc) in SERVER_FAULTS
                if faults >= MAX_SERVER_FAULTS:
                    raise
            self.sleep(delay)
            delay = min(delay * 2, self.max_delay)

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
