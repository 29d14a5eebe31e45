"""Runs every minute: records the scheduled time it was run for."""

from typing import Any

from functions.runs import record


def handler(event: dict[str, Any], context: Any) -> None:
    record("heartbeat", {"time": event["time"], "rule": event["resources"][0]})
