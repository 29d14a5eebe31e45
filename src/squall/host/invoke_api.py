"""The Lambda ``Invoke`` API (``POST /2015-03-31/functions/{name}/invocations``) on the function host.

Payload limits (6 MiB synchronous, 1 MiB ``Event``) are enforced before this handler runs, with the
rest of the local cloud's request validation (``squall.cloud.validation.limits``).
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, unquote

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse
from squall.host.functions import FunctionHost, FunctionNotFound
from squall.runtime import TooManyRequests

LOG_TAIL_BYTES = 4096


def function_name(path: str) -> str:
    # /2015-03-31/functions/{FunctionName}/invocations
    parts = path.split("/")
    return unquote(parts[3]) if len(parts) > 4 else ""


class InvokeHandler:
    def __init__(self, host: FunctionHost) -> None:
        self.host = host

    def __call__(self, request: CloudRequest, ctx: CloudContext) -> CloudResponse:
        self.host.bind(ctx)
        name = function_name(request.path)
        qualifier = parse_qs(request.query).get("Qualifier", [None])[0]
        if qualifier not in (None, "$LATEST"):
            name = f"{name}:{qualifier}"
        invocation_type = request.headers.get("x-amz-invocation-type", "RequestResponse")
        if invocation_type not in ("RequestResponse", "Event", "DryRun"):
            return CloudResponse.aws_error(
                400, "InvalidParameterValueException", f"unknown invocation type {invocation_type!r}"
            )
        try:
            event = json.loads(request.body) if request.body.strip() else {}
        except (ValueError, UnicodeDecodeError):
            return CloudResponse.aws_error(
                400, "InvalidRequestContentException", "Could not parse request body into json"
            )
        try:
            config, _ = self.host.config(name, request.region)
        except FunctionNotFound:
            return CloudResponse.aws_error(
                404,
                "ResourceNotFoundException",
                f"Function not found: arn:aws:lambda:{request.region}:123456789012:function:{name}",
            )
        if invocation_type == "DryRun":
            return CloudResponse(204, {"x-amz-executed-version": "$LATEST"})
        if invocation_type == "Event":
            request_id = self.host.invoke_async(config.arn, request.region, event)
            return CloudResponse(202, {"x-amzn-requestid": request_id})
        try:
            result = self.host.invoke(config.arn, request.region, event)
        except TooManyRequests as exc:
            response = CloudResponse.aws_error(429, "TooManyRequestsException", "Rate Exceeded.")
            body = json.loads(response.body)
            body["Reason"] = exc.reason
            return CloudResponse.json(429, body, dict(response.headers))
        except FunctionNotFound:
            return CloudResponse.aws_error(404, "ResourceNotFoundException", f"Function not found: {name}")
        headers = {
            "content-type": "application/json",
            "x-amz-executed-version": "$LATEST",
            "x-amzn-requestid": result.request_id,
        }
        if result.error_type:
            headers["x-amz-function-error"] = result.error_type
        if request.headers.get("x-amz-log-type") == "Tail":
            tail = result.logs.encode()[-LOG_TAIL_BYTES:]
            headers["x-amz-log-result"] = base64.b64encode(tail).decode()
        return CloudResponse(200, headers, json.dumps(result.payload).encode())
