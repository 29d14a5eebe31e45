"""GET /stats/{code} → 200 {"shortCode", "longUrl", "clicks", "createdAt"}; 404 when unknown."""

from typing import Any

from functions.http import respond
from squall import Resource


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    code = (event.get("pathParameters") or {}).get("code")
    item = Resource.Urls.get(shortCode=code) if code else None
    if item is None:
        return respond(404, {"error": f"no short URL {code!r}"})
    return respond(200, item)
