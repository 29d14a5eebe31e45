"""A test plugin: SNS ``ListTopics`` answered with the principal the front door verified."""

from __future__ import annotations

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse, Registry


def echo_principal(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    principal = request.principal
    if principal is None:
        return CloudResponse.json(200, {"arn": None, "kind": None})
    return CloudResponse.json(200, {"arn": principal.arn, "kind": principal.kind})


def setup(registry: Registry) -> None:
    registry.claim("sns", "ListTopics", echo_principal)
