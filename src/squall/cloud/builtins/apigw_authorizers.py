"""API Gateway v2 ``GetAuthorizers``, which moto lacks: the API's authorizers as GetAuthorizer shows each.

The deployer lists an API's authorizers to find one by name when its state has no id for it; the answer is
read from moto's model of the API under the state lock, in GetAuthorizer's words.
"""

from __future__ import annotations

import json

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse, Registry

ACCOUNT_ID = "123456789012"


def get_authorizers(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    # /v2/apis/{apiId}/authorizers
    parts = request.path.strip("/").split("/")
    api_id = parts[2] if len(parts) >= 4 else ""
    with ctx.locked():
        api = ctx.backend("apigatewayv2", request.region, ACCOUNT_ID).apis.get(api_id)
        items = None if api is None else [authorizer.to_json() for authorizer in api.authorizers.values()]
    if items is None:
        return CloudResponse.aws_error(404, "NotFoundException", f"Invalid API identifier specified {api_id}")
    return CloudResponse(200, {"Content-Type": "application/json"}, json.dumps({"items": items}).encode())


def setup(registry: Registry) -> None:
    registry.claim("apigatewayv2", "GetAuthorizers", get_authorizers)
