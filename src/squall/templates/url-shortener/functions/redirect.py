"""GET /{code} → 302 to the long URL and one more click counted; 404 when the code is unknown."""

from typing import Any

from functions.http import respond
from squall import ConditionFailed, Resource


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    code = (event.get("pathParameters") or {}).get("code")
    if not code:
        return respond(400, {"error": "code required"})
    try:
        item = Resource.Urls.update(
            {"shortCode": code}, add={"clicks": 1}, condition="attribute_exists(shortCode)"
        )
    except ConditionFailed:
        return respond(404, {"error": f"no short URL {code!r}"})
    return {"statusCode": 302, "headers": {"location": item.get("longUrl", "")}, "body": ""}
