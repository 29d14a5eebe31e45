"""Subscribed to the Announcements topic: records each message."""

from typing import Any

from functions.runs import record


def handler(event: dict[str, Any], context: Any) -> None:
    for item in event["Records"]:
        record("announcements", {"subject": item["Sns"]["Subject"], "message": item["Sns"]["Message"]})
