"""The plugin registry: claims, precedence, and the built-in Lambda Invoke answer."""

from __future__ import annotations

import json
from typing import Any

from squall.cloud.builtins import lambda_invoke
from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse, Registry, plugin_names


def _request(service: str = "awslambda", operation: str | None = "Invoke", path: str = "/") -> CloudRequest:
    return CloudRequest(service, operation, "POST", path, "", {}, b"{}")


def _ok(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    return CloudResponse(200, {}, b"mine")


def test_later_claim_replaces_the_builtin() -> None:
    registry = Registry()
    lambda_invoke.setup(registry)
    assert registry.operation_handler("awslambda", "Invoke") is lambda_invoke.invoke_unavailable
    registry.claim("awslambda", "Invoke", _ok)
    assert registry.operation_handler("awslambda", "Invoke") is _ok
    assert registry.operation_handler("awslambda", None) is None


def test_longest_path_prefix_wins() -> None:
    registry = Registry()
    registry.claim_path("/_squall/", lambda_invoke.invoke_unavailable)
    registry.claim_path("/_squall/apis/", _ok)
    assert registry.path_handler("/_squall/apis/x") is _ok
    assert registry.path_handler("/_squall/other") is lambda_invoke.invoke_unavailable
    assert registry.path_handler("/bucket/key") is None


def test_invoke_unavailable_is_an_aws_error_botocore_will_not_retry() -> None:
    ctx: Any = None
    response = lambda_invoke.invoke_unavailable(_request(), ctx)
    assert response.status == 501
    assert response.headers["x-amzn-errortype"] == "InvocationNotAvailableException"
    assert "not available" in json.loads(response.body)["message"]


def test_plugins_from_the_environment_come_last() -> None:
    names = list(plugin_names({"SQUALL_CLOUD_PLUGINS": "a.b:setup, c.d:go"}))
    assert names[:2] == [
        "squall.cloud.builtins.lambda_invoke:setup",
        "squall.cloud.builtins.sqs_long_poll:setup",
    ]
    assert names[-2:] == ["a.b:setup", "c.d:go"]
