"""Requests that real AWS accepts and moto mishandles, put into a shape moto serves correctly.

- API Gateway ``ImportRestApi`` (and ``PutRestApi``): moto requires ``info.description`` in the OpenAPI
  document, which is optional; a missing one is added as empty (tools such as ``chalice deploy`` omit it).
  moto imports only OpenAPI 3 documents, while AWS also takes Swagger 2.0 (what chalice sends): a Swagger
  document is restated as OpenAPI 3 with the parts moto reads (paths, methods, responses, integrations).
- API Gateway v2 ``UpdateStage``, which moto lacks: done as a delete and a create of the stage with the
  merged settings (both journaled), answered as UpdateStage answers.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse, Registry

OPERATION_KEYS = ("responses", "operationId", "summary", "description", "x-amazon-apigateway-integration")


def as_openapi3(document: dict[str, Any]) -> dict[str, Any]:
    """The parts of a Swagger 2.0 document that API Gateway's import uses, as OpenAPI 3."""
    paths: dict[str, Any] = {}
    for path, operations in (document.get("paths") or {}).items():
        paths[path] = {
            method: {key: value for key, value in operation.items() if key in OPERATION_KEYS}
            for method, operation in operations.items()
            if isinstance(operation, dict)
        }
    converted: dict[str, Any] = {"openapi": "3.0.1", "info": dict(document.get("info") or {}), "paths": paths}
    converted.update({k: v for k, v in document.items() if k.startswith("x-amazon-apigateway")})
    return converted


def importable(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    try:
        document = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return ctx.call(request)
    if not isinstance(document, dict):
        return ctx.call(request)
    if str(document.get("swagger", "")).startswith("2"):
        document = as_openapi3(document)
    for operations in (document.get("paths") or {}).values():
        for operation in operations.values() if isinstance(operations, dict) else ():
            integration = (
                operation.get("x-amazon-apigateway-integration") if isinstance(operation, dict) else None
            )
            if isinstance(integration, dict) and isinstance(integration.get("type"), str):
                integration["type"] = integration["type"].upper()  # AWS reports AWS_PROXY for aws_proxy
    info = document.setdefault("info", {})
    if isinstance(info, dict):
        info.setdefault("description", "")
        info.setdefault("title", "api")
    return ctx.call(request.with_body(json.dumps(document).encode()))


STAGE_FIELDS = ("autoDeploy", "description", "stageVariables", "defaultRouteSettings", "routeSettings")


def update_stage(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    # /v2/apis/{apiId}/stages/{stageName}
    parts = request.path.split("/")
    if len(parts) < 6:
        return CloudResponse.aws_error(
            400, "BadRequestException", "expected /v2/apis/{apiId}/stages/{stageName}"
        )
    stages = "/".join(parts[:5])
    found = ctx.call(replace(request, method="GET", operation="GetStage", body=b""))
    if found.status >= 300:
        return found
    try:
        current = json.loads(found.body)
        changes = json.loads(request.body or b"{}")
    except ValueError:
        return CloudResponse.aws_error(400, "BadRequestException", "the request body is not JSON")
    merged = {key: current[key] for key in STAGE_FIELDS if key in current}
    merged.update({key: value for key, value in changes.items() if key in STAGE_FIELDS})
    merged["stageName"] = current.get("stageName", parts[5])
    deleted = ctx.call(replace(request, method="DELETE", operation="DeleteStage", body=b""))
    if deleted.status >= 300:
        return deleted
    created = ctx.call(
        replace(request, method="POST", operation="CreateStage", path=stages).with_body(
            json.dumps(merged).encode()
        )
    )
    return CloudResponse(200 if created.status < 300 else created.status, dict(created.headers), created.body)


def setup(registry: Registry) -> None:
    registry.claim("apigatewayv2", "UpdateStage", update_stage)
    registry.claim("apigateway", "ImportRestApi", importable)
    registry.claim("apigateway", "PutRestApi", importable)
