from typing import Any

from squall import Resource


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": f"Hello from {Resource.App.name} ({Resource.App.stage})!"}
