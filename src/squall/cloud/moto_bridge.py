"""moto behind one function: ``MotoBridge.handle`` serves a request with moto's own handlers.

moto's server finds a service's handlers by matching the request URL against the regexes each
backend lists in ``backend.urls`` (the same table ``moto.core.botocore_stubber`` uses in-process).
The service is already known here (from the signature), so the bridge matches the request's path
under that service's AWS hostname and hands the handler a ``moto.core.request.Request`` built with
the real host, as moto's server does, so URLs moto returns (SQS queue URLs) point at the local cloud.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from squall.cloud import clock, lambda_stub, moto_limits, speed, validation
from squall.cloud.bodies import BodySlice
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
    "apigateway": "apigateway.{region}.amazonaws.com",
    "cognitoidp": "cognito-idp.{region}.amazonaws.com",
    "events": "events.{region}.amazonaws.com",
    "logs": "logs.{region}.amazonaws.com",
    "ssm": "ssm.{region}.amazonaws.com",
}

Raw = tuple[int, dict[str, str], "bytes | BodySlice"]


@dataclass(frozen=True)
class RolePolicies:
    """What IAM evaluates for a session of a role: its identity-based policy documents, and its tags."""

    arn: str
    documents: tuple[str, ...]
    tags: Mapping[str, str]


_MotoHandler = Callable[[Any, str, Any], Any]


class MotoBridge:
    """moto's backends and handlers for the served services; not thread-safe (callers lock)."""

    def __init__(self) -> None:
        speed.share_botocore_data()
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
        moto_limits.install()
        speed.install()
        clock.install()

    def backend(self, service: str, region: str, account_id: str) -> Any:
        regions = self.live[service][account_id]
        return regions[region] if region in regions else regions["aws"]

    def role_policies(self, account_id: str, role_name: str) -> RolePolicies | None:
        """A role's identity-based policy documents (inline, then attached managed ones' default version)
        and its tags, or None when there is no such role. Call under the state lock."""
        iam = self.live["iam"][account_id]["global"]
        role: Any = next((r for r in iam.roles.values() if r.name == role_name), None)
        if role is None:
            return None
        documents = [str(document) for document in role.policies.values()]
        for managed in role.managed_policies.values():
            default = next((v for v in managed.versions if v.is_default), None)
            if default is not None:
                documents.append(str(default.document))
        raw_tags: Any = role.tags or {}
        items = raw_tags.values() if isinstance(raw_tags, dict) else raw_tags
        tags = {str(t["Key"]): str(t.get("Value", "")) for t in items if isinstance(t, dict) and "Key" in t}
        return RolePolicies(role.arn, tuple(documents), tags)

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
        request = self._request_class(_environ(method, host, path, query, headers, body))
        try:
            result = handler(request, request.raw_url, request.headers)
        except HTTPException as exc:
            return int(exc.code or 500), dict(exc.get_headers()), _bytes(exc.get_body())
        except NotImplementedError as exc:
            # moto has no such operation: say so plainly (501 is not retried), rather than a server fault
            return _error(
                501, "NotImplementedException", f"the squall local cloud does not support this yet: {exc}"
            )
        except Exception as exc:
            # input moto could not read (a value it failed to parse) is the client's fault: a 400 in the
            # service's words, which botocore does not retry; anything else is a fault of ours (a 500)
            refused = validation.refuse_input(service, query, headers, exc)
            if refused is None:
                raise
            log.warning("moto could not read a %s request: %s: %s", service, type(exc).__name__, exc)
            return refused.status, dict(refused.headers), refused.body
        if len(result) == 3:
            status, out_headers, content = result
        else:
            status, out_headers, content = 200, {}, result
        return int(status), {str(k): str(v) for k, v in dict(out_headers).items()}, _bytes(content)


def _environ(
    method: str, host: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> dict[str, Any]:
    """The WSGI environ werkzeug's server would have built for this request.

    Built directly: ``Request.from_primitives`` goes through werkzeug's test ``EnvironBuilder``,
    which costs more than most moto operations.
    """
    from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY, environ_key_for_header

    server_name, _, server_port = host.partition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "RAW_URI": path + (f"?{query}" if query else ""),
        "REQUEST_URI": path + (f"?{query}" if query else ""),
        "QUERY_STRING": query,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port or "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.version": (1, 0),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    preserved: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower in ("transfer-encoding", "content-length"):
            continue
        key = environ_key_for_header(name)
        environ[key] = value
        if "_" in name and lower.startswith("x-amz-meta-"):
            preserved[key] = name
    environ["HTTP_HOST"] = host
    environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = preserved
    return environ


def _bytes(content: Any) -> bytes | BodySlice:
    if content is None:
        return b""
    if isinstance(content, BodySlice):  # a large object's body, sent from its file
        return content
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8")
    return bytes(content)


def _error(status: int, code: str, message: str) -> Raw:
    import json

    body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
    return status, {"content-type": "application/json", "x-amzn-errortype": code}, body
