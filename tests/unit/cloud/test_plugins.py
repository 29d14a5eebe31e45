"""The plugin registry: claims, precedence, and where plugins come from."""

from __future__ import annotations

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse, Registry, plugin_names


def _request(service: str = "awslambda", operation: str | None = "Invoke", path: str = "/") -> CloudRequest:
    return CloudRequest(service, operation, "POST", path, "", {}, b"{}")


def _ok(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    return CloudResponse(200, {}, b"mine")


def _other(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    return CloudResponse(200, {}, b"other")


def test_later_claim_replaces_an_earlier_one() -> None:
    registry = Registry()
    registry.claim("awslambda", "Invoke", _other)
    assert registry.operation_handler("awslambda", "Invoke") is _other
    registry.claim("awslambda", "Invoke", _ok)
    assert registry.operation_handler("awslambda", "Invoke") is _ok
    assert registry.operation_handler("awslambda", None) is None


def test_longest_path_prefix_wins() -> None:
    registry = Registry()
    registry.claim_path("/_squall/", _other)
    registry.claim_path("/_squall/apis/", _ok)
    assert registry.path_handler("/_squall/apis/x") is _ok
    assert registry.path_handler("/_squall/other") is _other
    assert registry.path_handler("/bucket/key") is None


def test_plugins_from_the_environment_come_last() -> None:
    names = list(plugin_names({"SQUALL_CLOUD_PLUGINS": "a.b:setup, c.d:go"}))
    assert names[:2] == [
        "squall.cloud.builtins.sqs_long_poll:setup",
        "squall.cloud.builtins.moto_fixes:setup",
    ]
    assert names[-2:] == ["a.b:setup", "c.d:go"]
