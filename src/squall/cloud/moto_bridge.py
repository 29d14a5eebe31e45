"""moto behind one function: ``MotoBridge.handle`` serves a request with moto's own handlers.

moto's server finds a service's handlers by matching the request URL against the regexes each
backend lists in ``backend.urls`` (the same table ``moto.core.botocore_stubber`` uses in-process).
The service is already known here (from the signature), so the bridge matches the request's path
under that service's AWS hostname and hands the handler a ``moto.core.request.Request`` built with
the real host, as moto's server does, so URLs moto returns (SQS queue URLs) point at the local cloud.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from squall.cloud import clock, lambda_stub
from squall.cloud.operations import SERVICES

log = logging.getLogger(__name__)

_AWS_HOSTS = {
    "dynamodb": "dynamodb.{region}.amazonaws.com",
    "dynamodbstreams": "streams.dynamodb.{region}.amazonaws.com",
    "s3": "s3.amazonaws.com",
    "sqs": "sqs.{region}.amazonaws.com",
    "sns": "sns.{region}.amazonaws.com",
    "iam": "iam.amazonaws.com",
    "sts": "sts.amazonaws.com",
    "awslambda": "lambda.{region}.amazonaws.com",
    "apigatewayv2": "apigateway.{region}.amazonaws.com",
    "events": "events.{region}.amazonaws.com",
    "logs": "logs.{region}.amazonaws.com",
    "ssm": "ssm.{region}.amazonaws.com",
}

Raw = tuple[int, dict[str, str], bytes]
_MotoHandler = Callable[[Any, str, Any], Any]


class MotoBridge:
    """moto's backends and handlers for the served services; not thread-safe (callers lock)."""

    def __init__(self) -> None:
        import moto.backends as backends
        from moto.core.base_backend import BackendDict
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.core.request import Request

        class ServerRequest(Request):
            from_wsgi_server = True

        self._request_class: Any = ServerRequest
        self.live: dict[str, Any] = {name: backends.get_backend(name) for name in SERVICES}  # type: ignore[call-overload]
        self._urls: dict[str, list[tuple[re.Pattern[str], _MotoHandler]]] = {}
        for name, backend_dict in self.live.items():
            if isinstance(backend_dict, BackendDict):
                regions = backend_dict[DEFAULT_ACCOUNT_ID]
                sample = regions["us-east-1"] if "us-east-1" in regions else regions["aws"]
            else:
                sample = backend_dict["global"]
            self._urls[name] = [(re.compile(url), handler) for url, handler in sample.urls.items()]
        lambda_stub.install()
        clock.install()

    def backend(self, service: str, region: str, account_id: str) -> Any:
        regions = self.live[service][account_id]
        return regions[region] if region in regions else regions["aws"]

    def handle(
        self,
        service: str,
        region: str,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        host: str,
    ) -> Raw:
        from werkzeug.exceptions import HTTPException

        aws_url = "https://" + _AWS_HOSTS[service].format(region=region) + path
        handler = next((h for rx, h in self._urls[service] if rx.match(aws_url)), None)
        if handler is None:
            return _error(404, "UnknownOperationException", f"{method} {path} is not a {service} operation")
        url = f"http://{host}{path}" + (f"?{query}" if query else "")
        request = self._request_class.from_primitives(method, url, dict(headers), body)
        try:
            result = handler(request, request.raw_url, request.headers)
        except HTTPException as exc:
            return int(exc.code or 500), dict(exc.get_headers()), _bytes(exc.get_body())
        if len(result) == 3:
            status, out_headers, content = result
        else:
            status, out_headers, content = 200, {}, result
        return int(status), {str(k): str(v) for k, v in dict(out_headers).items()}, _bytes(content)


def _bytes(content: Any) -> bytes:
    if content is None:
        return b""
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8")
    return bytes(content)


def _error(status: int, code: str, message: str) -> Raw:
    import json

    body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
    return status, {"content-type": "application/json", "x-amzn-errortype": code}, body
