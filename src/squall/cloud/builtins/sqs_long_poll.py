"""SQS long polling without holding the state lock.

moto implements ``WaitTimeSeconds`` by waiting inside the backend, which would hold the local
cloud's state lock for up to 20 seconds. This plugin asks moto with a wait of zero, and while the
answer is empty and the wait lasts, tries again when anything changed (a send) or every 50 ms (a
visibility timeout or a delay may have ended).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlencode

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse, Registry

_POLL = 0.05
_MAX_WAIT = 20.0


def receive(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    is_json = "json" in request.headers.get("content-type", "")
    if is_json:
        document: dict[str, Any] = request.json()
        wait, queue_url = document.get("WaitTimeSeconds"), document.get("QueueUrl")
        document["WaitTimeSeconds"] = 0
        once = request.with_body(json.dumps(document).encode())
    else:
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        wait, queue_url = _first(form, "WaitTimeSeconds"), _first(form, "QueueUrl")
        form["WaitTimeSeconds"] = ["0"]
        once = request.with_body(urlencode(form, doseq=True).encode())
    seconds = _wait_seconds(ctx, request, wait, queue_url)
    deadline = time.monotonic() + min(seconds, _MAX_WAIT)
    while True:
        seen = ctx.mutations.last
        response = ctx.call(once)
        remaining = deadline - time.monotonic()
        if response.status >= 400 or remaining <= 0 or _has_messages(response) or ctx.stopping.is_set():
            return response
        ctx.mutations.wait(seen, min(_POLL, remaining))


def _first(form: dict[str, list[str]], key: str) -> str | None:
    values = form.get(key)
    return values[0] if values else None


def _wait_seconds(ctx: CloudContext, request: CloudRequest, wait: Any, queue_url: Any) -> float:
    if wait is not None:
        try:
            return max(0.0, float(wait))
        except (TypeError, ValueError):
            return 0.0
    if not isinstance(queue_url, str):
        return 0.0
    parts = queue_url.rstrip("/").split("/")
    if len(parts) < 2:
        return 0.0
    account_id, name = parts[-2], parts[-1]
    with ctx.locked():
        try:
            queue = ctx.backend("sqs", request.region, account_id).queues.get(name)
        except Exception:
            return 0.0
        return float(getattr(queue, "receive_message_wait_time_seconds", 0) or 0) if queue else 0.0


def _has_messages(response: CloudResponse) -> bool:
    return b"<Message>" in response.body or b'"Messages"' in response.body


def setup(registry: Registry) -> None:
    registry.claim("sqs", "ReceiveMessage", receive)
