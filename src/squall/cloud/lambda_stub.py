"""Keep moto's Lambda from reaching for docker.

moto runs a function by starting a docker container. The local cloud has no docker: the public
``Invoke`` operation is claimed by the function host (``squall.host``), and the invocations moto starts
itself (SNS, S3 and EventBridge deliveries, stream mappings) go to the callback a plugin registered with
``Registry.on_internal_invoke``, or are dropped with a warning when there is none (a local cloud started
without the host).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from squall.cloud.plugins import InternalInvoke

log = logging.getLogger(__name__)

NOT_AVAILABLE = "Invoking functions is not available: this local cloud runs without squall's function host."

_callback: InternalInvoke | None = None


def set_internal_invoke(callback: InternalInvoke | None) -> None:
    global _callback
    _callback = callback


def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
    payload = event if isinstance(event, str) else json.dumps(event)
    arn = str(getattr(self, "function_arn", "?"))
    if _callback is None:
        log.warning("dropped an invocation of %s: %s", arn, NOT_AVAILABLE)
        return json.dumps({"errorMessage": NOT_AVAILABLE, "errorType": "InvocationUnavailable"}), True, ""
    _callback(arn, payload.encode())
    return "", False, ""


def install() -> None:
    from moto.awslambda.models import LambdaFunction

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
