"""``FilterLogEvents`` with CloudWatch's whole filter-pattern syntax.

moto understands plain terms and one quoted phrase; for anything else (``-exclusions``, ``?alternatives``,
JSON patterns such as ``{ $.level = "ERROR" }``) it returns every event. Here moto reads the events with no
pattern and ``squall.logs.filter_pattern`` keeps the matching ones, so the local cloud filters as AWS does
and the console's search uses the very same code. A page may then hold fewer events than ``limit`` while
``nextToken`` goes on, which AWS allows too. A pattern AWS would refuse gets AWS's
``InvalidParameterException``.
"""

from __future__ import annotations

import json

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse, Registry
from squall.logs.filter_pattern import FilterPatternError, compile_pattern


def filter_log_events(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    try:
        params = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return ctx.call(request)
    if not isinstance(params, dict) or not str(params.get("filterPattern") or "").strip():
        return ctx.call(request)
    try:
        pattern = compile_pattern(str(params.pop("filterPattern")))
    except FilterPatternError as exc:
        return CloudResponse.aws_error(400, "InvalidParameterException", f"Invalid filter pattern: {exc}")
    response = ctx.call(request.with_body(json.dumps(params).encode()))
    if response.status != 200:
        return response
    page = json.loads(response.body or b"{}")
    page["events"] = [e for e in page.get("events") or [] if pattern.matches(str(e.get("message", "")))]
    body = json.dumps(page).encode()
    headers = {
        k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "x-amz-crc32")
    }
    return CloudResponse(response.status, {**headers, "content-length": str(len(body))}, body)


def setup(registry: Registry) -> None:
    registry.claim("logs", "FilterLogEvents", filter_log_events)
