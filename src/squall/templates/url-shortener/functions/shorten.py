"""POST /shorten {"url": "https://..."} → 201 {"shortCode", "shortUrl"}; 400 without a valid URL."""

import secrets
import time
from typing import Any, TypeGuard
from urllib.parse import urlparse

from functions.http import json_body, respond
from squall import ConditionFailed, Resource


def valid_url(value: Any) -> TypeGuard[str]:
    if not isinstance(value, str) or len(value) > 2048:
        return False
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        body = json_body(event)
    except ValueError:
        return respond(400, {"error": 'the body must be JSON like {"url": "https://..."}'})
    url = body.get("url") if isinstance(body, dict) else None
    if not valid_url(url):
        return respond(400, {"error": "URL required: an http(s) URL in the 'url' field"})
    for _ in range(5):
        code = secrets.token_hex(4)
        created = int(time.time() * 1000)
        try:
            Resource.Urls.put(
                {"shortCode": code, "longUrl": url, "clicks": 0, "createdAt": created},
                condition="attribute_not_exists(shortCode)",
            )
            break
        except ConditionFailed:
            continue  # that code is taken: draw another
    else:
        return respond(503, {"error": "could not allocate a short code, try again"})
    headers = event.get("headers") or {}
    scheme = headers.get("x-forwarded-proto", "https")
    domain = event["requestContext"]["domainName"]
    print(f"shortened {url} as {code}")
    return respond(201, {"shortCode": code, "shortUrl": f"{scheme}://{domain}/{code}"})
