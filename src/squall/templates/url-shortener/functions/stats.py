"""GET /stats/{code} → 200 {"shortCode", "longUrl", "clicks", "createdAt"}; 404 when unknown."""

from typing import Any

import boto3

from functions.http import respond
from squall import Resource

table = boto3.resource("dynamodb").Table(Resource.Urls.table_name)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    code = (event.get("pathParameters") or {}).get("code")
    item = table.get_item(Key={"shortCode": code}).get("Item") if code else None
    if item is None:
        return respond(404, {"error": f"no short URL {code!r}"})
    return respond(200, {key: item[key] for key in ("shortCode", "longUrl", "clicks", "createdAt")})
