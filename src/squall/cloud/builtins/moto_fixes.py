"""Requests that real AWS accepts and moto mishandles, put into a shape moto serves correctly.

- API Gateway ``ImportRestApi`` (and ``PutRestApi``): moto requires ``info.description`` in the OpenAPI
  document, which is optional; a missing one is added as empty (tools such as ``chalice deploy`` omit it).
  moto imports only OpenAPI 3 documents, while AWS also takes Swagger 2.0 (what chalice sends): a Swagger
  document is restated as OpenAPI 3 with the parts moto reads (paths, methods, responses, integrations).
- API Gateway v2 ``UpdateStage``, which moto lacks: done as a delete and a create of the stage with the
  merged settings (both journaled), answered as UpdateStage answers.
- S3 ``CreateBucket`` with ``CreateBucketConfiguration/Tags`` (AWS tags the new bucket in the same call;
  moto ignores them): the bucket is created, then tagged with ``PutBucketTagging``; if the tags are refused,
  the new bucket is deleted again, so a bucket never exists without the tags it was created with.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from dataclasses import replace
from typing import Any
from xml.sax.saxutils import escape

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


STAGE_FIELDS = (
    "autoDeploy",
    "description",
    "stageVariables",
    "defaultRouteSettings",
    "routeSettings",
    "tags",
)


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


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def bucket_tags(body: bytes) -> list[tuple[str, str]] | None:
    """The ``Tags`` of a ``CreateBucketConfiguration`` body; None when it has none (or is not XML)."""
    if not body.strip():
        return None
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None  # moto answers the malformed body as S3 does
    tags = next((child for child in root if _local(child.tag) == "Tags"), None)
    if tags is None:
        return None
    found = []
    for tag in tags:
        fields = {_local(child.tag): child.text or "" for child in tag}
        found.append((fields.get("Key", ""), fields.get("Value", "")))
    return found


def tagging_document(tags: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f"<Tag><Key>{escape(key)}</Key><Value>{escape(value)}</Value></Tag>" for key, value in tags
    )
    return f'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>{items}</TagSet></Tagging>'.encode()


def create_bucket(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    tags = bucket_tags(request.body)
    bucket = request.path.strip("/")
    if not tags or not bucket or "/" in bucket:
        return ctx.call(request)
    created = ctx.call(request)
    if created.status >= 300:
        return created
    tagged = ctx.call(
        replace(request, operation="PutBucketTagging", query="tagging").with_body(tagging_document(tags))
    )
    if tagged.status >= 300:
        ctx.call(replace(request, method="DELETE", operation="DeleteBucket", body=b"").with_body(b""))
        return tagged
    return created


def setup(registry: Registry) -> None:
    registry.claim("s3", "CreateBucket", create_bucket)
    registry.claim("apigatewayv2", "UpdateStage", update_stage)
    registry.claim("apigateway", "ImportRestApi", importable)
    registry.claim("apigateway", "PutRestApi", importable)
