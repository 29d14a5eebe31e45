"""Runs for every object created under ``incoming/`` in the Uploads bucket."""

from typing import Any
from urllib.parse import unquote_plus

from functions.runs import record


def handler(event: dict[str, Any], context: Any) -> None:
    for item in event["Records"]:
        s3 = item["s3"]
        record("uploads", {"key": unquote_plus(s3["object"]["key"]), "size": s3["object"]["size"]})
