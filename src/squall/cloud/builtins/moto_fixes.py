"""Requests that real AWS accepts and moto mishandles, put into a shape moto serves correctly.

- API Gateway ``ImportRestApi`` (and ``PutRestApi``): moto requires ``info.description`` in the OpenAPI
  document, which is optional; a missing one is added as empty (tools such as ``chalice deploy`` omit it).
  moto imports only OpenAPI 3 documents, while AWS also takes Swagger 2.0 (what chalice sends): a Swagger
  document is restated as OpenAPI 3 with the parts moto reads (paths, methods, responses, integrations).
"""

from __future__ import annotations

import json
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


def setup(registry: Registry) -> None:
    registry.claim("apigateway", "ImportRestApi", importable)
    registry.claim("apigateway", "PutRestApi", importable)
