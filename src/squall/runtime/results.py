"""What one invocation produced, and the platform log lines Lambda writes around it."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

FUNCTION_ERROR = "Unhandled"
"""The ``X-Amz-Function-Error`` value Lambda sends for every error the function's runtime reports."""


@dataclass(frozen=True)
class InvocationResult:
    request_id: str
    payload: object
    """The handler's JSON-able result, or the error dict Lambda returns (``errorMessage``, ``errorType``...)."""
    error_type: str | None
    """``"Unhandled"`` when the invocation failed (the ``X-Amz-Function-Error`` header), else None."""
    logs: str
    """Everything the invocation wrote, between Lambda's START and END/REPORT lines."""
    duration_ms: float
    cold: bool
    init_duration_ms: float | None = None
    max_memory_used_mb: int = 0
    log_stream_name: str = ""
    function_name: str = ""
    log_events: tuple[tuple[int, str], ...] = ()
    """``logs`` as CloudWatch Logs events: (epoch milliseconds, message), one per line or logging record."""

    @property
    def billed_duration_ms(self) -> int:
        return billed_ms(self.duration_ms)


def billed_ms(duration_ms: float) -> int:
    return max(1, math.ceil(duration_ms))


def start_line(request_id: str) -> str:
    return f"START RequestId: {request_id} Version: $LATEST\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def report_line(
    request_id: str,
    *,
    duration_ms: float,
    memory_size: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    """Lambda's REPORT line, tab-separated with the trailing tab AWS writes.

    ``status`` ("timeout", "error") and ``error_type`` are appended as newer runtimes do when an invocation
    ends abnormally.
    """
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {billed_ms(duration_ms)} ms\tMemory Size: {memory_size} MB\t"
        f"Max Memory Used: {max_memory_used_mb} MB\t"
    )
    if init_duration_ms is not None:
        line += f"Init Duration: {init_duration_ms:.2f} ms\t"
    if status is not None:
        line += f"Status: {status}\t"
    if error_type is not None:
        line += f"Error Type: {error_type}\t"
    return line + "\n"


def timestamp(now: float) -> str:
    """``2024-03-12T19:03:58.123Z``, the timestamp Lambda puts before platform messages."""
    millis = int(now * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{millis:03d}Z"


def timeout_error(request_id: str, timeout: float) -> dict[str, object]:
    """The payload of a timed-out invocation as the python3.12 runtime returns it."""
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
    }


def exit_error(request_id: str, reason: str) -> dict[str, object]:
    """The payload when the runtime process died mid-invocation (``reason``: "exit status 1", "signal: killed")."""
    return {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {reason}",
    }


def out_of_memory_error(request_id: str, reason: str) -> dict[str, object]:
    """The payload when the sandbox killed the runtime for going past the function's ``memory_size``."""
    return {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {reason}",
    }
