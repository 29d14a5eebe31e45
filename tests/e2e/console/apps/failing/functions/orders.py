"""Orders: fails with a KeyError (in lookup) or a JSONDecodeError (inside the json module); logs on demand."""

import json
from typing import Any


def lookup(order: dict[str, Any]) -> Any:
    return order["customer"]


def handler(event: dict[str, Any], context: Any) -> Any:
    kind = event.get("kind")
    if kind == "key":
        return lookup({})
    if kind == "json":
        return json.loads("{not json")
    if kind == "log":
        print(f"{event['tag']} orders says hello")
        print(json.dumps({"tag": event["tag"], "n": event.get("n", 1), "fn": "orders"}))
    return {"ok": True}
