"""SQS requests through the local cloud's journaled path, in the JSON protocol."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from squall.cloud.plugins import CloudContext, CloudRequest


class CallFailed(RuntimeError):
    pass


def sqs(ctx: CloudContext, operation: str, region: str, document: dict[str, Any]) -> dict[str, Any]:
    """Run ``AmazonSQS.<operation>`` with ``document``; the answer, or CallFailed."""
    host = urlsplit(ctx.endpoint).netloc or "127.0.0.1"
    request = CloudRequest(
        service="sqs",
        operation=operation,
        method="POST",
        path="/",
        query="",
        headers={
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": f"AmazonSQS.{operation}",
            "host": host,
        },
        body=json.dumps(document).encode(),
        region=region,
        host=host,
    )
    response = ctx.call(request)
    if response.status >= 400:
        raise CallFailed(f"SQS {operation} failed ({response.status}): {response.body[:300]!r}")
    answer: dict[str, Any] = json.loads(response.body or b"{}")
    return answer


def queue_url(ctx: CloudContext, queue_arn: str) -> str:
    parts = queue_arn.split(":")
    return f"{ctx.endpoint}/{parts[4]}/{parts[5]}"
