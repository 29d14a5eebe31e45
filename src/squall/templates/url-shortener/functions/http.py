"""Small helpers the handlers share: JSON responses and reading a request body."""

import base64
import json
from typing import Any


def respond(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": json.dumps(body),
    }


def json_body(event: dict[str, Any]) -> Any:
    """The request body parsed as JSON; raises ValueError when it is not JSON."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8")
    return json.loads(raw or "null")
