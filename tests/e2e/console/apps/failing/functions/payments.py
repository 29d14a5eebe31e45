"""Payments: fails dividing by zero; logs on demand. ``handler_v2`` is the same, for a handler change."""

import json
from typing import Any


def charge(amount: int, parts: int) -> float:
    return amount / parts


def handler(event: dict[str, Any], context: Any) -> Any:
    kind = event.get("kind")
    if kind == "zero":
        return charge(10, 0)
    if kind == "log":
        print(f"{event['tag']} payments says hello")
        print(json.dumps({"tag": event["tag"], "n": event.get("n", 1), "fn": "payments"}))
    return {"ok": True}


def handler_v2(event: dict[str, Any], context: Any) -> Any:
    return handler(event, context)
