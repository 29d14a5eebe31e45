"""What a request asks IAM for: the action and the resource ARN of each thing it does.

The action comes from the reference (``reference.py``) for the operation the request names; the ARN
from the action's resource-type templates, filled with what the request says: ``TableName`` (and
``IndexName``) in a DynamoDB body, the bucket and key of an S3 path, the queue's name at the end of
``QueueUrl``, ``TopicArn``, the function in a Lambda path, an SSM parameter's ``Name``, a log group and
stream, an event bus and rule, IAM names. A template whose variables the request does not fill is
skipped; an action with no resource type, or none that can be filled, is asked on ``*``. One request may
ask several things (``BatchWriteItem`` on each table, ``CopyObject`` reads its source too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from squall.cloud.iam.reference import Reference

# the local cloud's service (moto backend) -> IAM service prefix
PREFIX = {
    "dynamodb": "dynamodb",
    "dynamodbstreams": "dynamodb",
    "s3": "s3",
    "sqs": "sqs",
    "sns": "sns",
    "iam": "iam",
    "sts": "sts",
    "awslambda": "lambda",
    "apigateway": "apigateway",
    "apigatewayv2": "apigateway",
    "events": "events",
    "logs": "logs",
    "ssm": "ssm",
}
# operations AWS answers for any signed caller (no permission needed)
UNCHECKED = frozenset({("sts", "GetCallerIdentity")})
_TEMPLATE_VAR = re.compile(r"\$\{([^}]+)\}")
_LAMBDA_PATH = re.compile(r"^/[0-9-]+/functions/([^/]+)")
_DDB_WRITES = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


@dataclass(frozen=True, slots=True)
class Ask:
    action: str
    resource: str


Variables = dict[str, str]


def asks(
    reference: Reference,
    service: str,
    operation: str | None,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    region: str,
    account: str,
) -> list[Ask]:
    """Every (action, resource) the request needs allowed; empty when it needs no permission."""
    prefix = PREFIX.get(service)
    if prefix is None:
        return []
    if prefix == "apigateway":
        resource = path.removeprefix("/v2") or "/"
        return [Ask(f"apigateway:{method.upper()}", f"arn:aws:apigateway:{region}::{resource}")]
    if operation is None or (prefix, operation) in UNCHECKED:
        return []
    params = _params(prefix, query, headers, body)
    out: list[Ask] = []
    for operation_name, variables, direct in _things(prefix, operation, path, query, headers, params):
        action = reference.action(prefix, operation_name)
        out.append(Ask(action.name, direct or _arn(action.templates, variables, region, account)))
    return out


def _arn(templates: tuple[str, ...], variables: Variables, region: str, account: str) -> str:
    """The ARN of the template that the request's variables fill most completely, or ``*``."""
    best: tuple[int, str, list[str]] | None = None
    for template in templates:
        names = _TEMPLATE_VAR.findall(template)
        if all(n in ("Partition", "Region", "Account") or n in variables for n in names):
            used = sum(1 for n in names if n in variables)
            if best is None or used > best[0]:
                best = (used, template, names)
    if best is None:
        return "*"
    _, template, names = best
    filled = template.replace("${Partition}", "aws").replace("${Region}", region)
    filled = filled.replace("${Account}", account)
    for name in names:
        if name in variables:
            filled = filled.replace("${" + name + "}", variables[name])
    if ":log-group:" in filled and ":log-stream:" not in filled:
        filled += ":*"  # CloudWatch Logs authorises a group as its ARN with ``:*``
    return filled


def _params(prefix: str, query: str, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    content_type = headers.get("content-type", "")
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()} if query else {}
    if body and "json" in content_type and prefix != "s3":
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if isinstance(document, dict):
            params.update(document)
    elif body and content_type.startswith("application/x-www-form-urlencoded"):
        params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
    return params


Thing = tuple[str, Variables, str]
"""An operation name, the template variables it fills, and an ARN the request names outright (or "")."""


def _things(
    prefix: str, operation: str, path: str, query: str, headers: Mapping[str, str], params: dict[str, Any]
) -> Iterator[Thing]:
    if prefix == "dynamodb":
        yield from _dynamodb(operation, params)
    elif prefix == "s3":
        yield from _s3(operation, path, headers)
    elif prefix == "sqs":
        yield operation, _sqs(params), ""
    elif prefix == "sns":
        arn = str(params.get("TopicArn") or params.get("TargetArn") or "")
        name = str(params.get("Name", "")) if operation == "CreateTopic" else ""
        yield operation, ({"TopicName": name} if name else {}), arn
    elif prefix == "lambda":
        yield from _lambda(operation, path, params)
    elif prefix == "ssm":
        yield from _ssm(operation, params)
    elif prefix == "logs":
        variables = {}
        group = params.get("logGroupName") or params.get("logGroupIdentifier")
        if group:
            variables["LogGroupName"] = str(group)
        if params.get("logStreamName"):
            variables["LogStreamName"] = str(params["logStreamName"])
        yield operation, variables, ""
    elif prefix == "events":
        yield from _events(operation, params)
    elif prefix in ("iam", "sts"):
        yield operation, _iam(params), str(params.get("RoleArn") or params.get("PolicyArn") or "")
    else:
        yield operation, {}, ""


def _dynamodb(operation: str, params: dict[str, Any]) -> Iterator[Thing]:
    if operation in ("BatchGetItem", "BatchWriteItem"):
        for table in params.get("RequestItems") or {}:
            yield operation, {"TableName": str(table)}, ""
        return
    if operation in ("TransactWriteItems", "TransactGetItems"):
        for item in params.get("TransactItems") or []:
            for kind, spec in (item or {}).items():
                name = "GetItem" if kind == "Get" else _DDB_WRITES.get(kind, operation)
                yield name, {"TableName": str((spec or {}).get("TableName", ""))}, ""
        return
    stream = str(params.get("StreamArn", ""))
    if stream:
        yield operation, {}, stream
        return
    variables = {"TableName": str(params["TableName"])} if params.get("TableName") else {}
    table_arn = str(params.get("TableArn") or params.get("ResourceArn") or "")
    if params.get("IndexName") and variables:
        variables["IndexName"] = str(params["IndexName"])
    yield operation, variables, table_arn


def _s3(operation: str, path: str, headers: Mapping[str, str]) -> Iterator[Thing]:
    bucket, _, key = path.lstrip("/").partition("/")
    variables: Variables = {}
    if bucket:
        variables["BucketName"] = unquote(bucket)
    if key:
        variables["ObjectName"] = unquote(key)
    yield operation, variables, ""
    if operation in ("CopyObject", "UploadPartCopy"):
        source = unquote(headers.get("x-amz-copy-source", "")).lstrip("/").partition("?")[0]
        source_bucket, _, source_key = source.partition("/")
        if source_bucket and source_key:
            yield "GetObject", {"BucketName": source_bucket, "ObjectName": source_key}, ""


def _sqs(params: dict[str, Any]) -> Variables:
    url = str(params.get("QueueUrl", ""))
    if url:
        return {"QueueName": url.rstrip("/").rsplit("/", 1)[-1]}
    if params.get("QueueName"):
        return {"QueueName": str(params["QueueName"])}
    return {}


def _lambda(operation: str, path: str, params: dict[str, Any]) -> Iterator[Thing]:
    match = _LAMBDA_PATH.match(path)
    name = unquote(match.group(1)) if match else str(params.get("FunctionName", ""))
    if not name:
        yield operation, {}, ""
        return
    if name.startswith("arn:"):
        parts = name.split(":")
        yield operation, {}, ":".join(parts[:7])
        return
    yield operation, {"FunctionName": name.split(":", 1)[0]}, ""


def _ssm(operation: str, params: dict[str, Any]) -> Iterator[Thing]:
    names = params.get("Names") if operation in ("GetParameters", "DeleteParameters") else None
    if isinstance(names, list):
        for name in names:
            yield operation, {"ParameterNameWithoutLeadingSlash": str(name).lstrip("/")}, ""
        return
    name = params.get("Name") or params.get("Path")
    variables = {"ParameterNameWithoutLeadingSlash": str(name).lstrip("/")} if name else {}
    yield operation, variables, ""


def _events(operation: str, params: dict[str, Any]) -> Iterator[Thing]:
    if operation == "PutEvents":
        buses = {
            str(e.get("EventBusName") or "default")
            for e in params.get("Entries") or []
            if isinstance(e, dict)
        }
        for bus in sorted(buses) or ["default"]:
            yield operation, {"EventBusName": bus}, bus if bus.startswith("arn:") else ""
        return
    bus = str(params.get("EventBusName") or "default")
    rule = params.get("Rule") or (params.get("Name") if "Rule" in operation else None)
    variables: Variables = {}
    if rule:
        if bus == "default":
            variables["RuleName"] = str(rule)
        else:
            variables.update(EventBusName=bus, RuleName=str(rule))
    elif operation.endswith("EventBus") and params.get("Name"):
        variables["EventBusName"] = str(params["Name"])
    else:
        variables["EventBusName"] = bus
    yield operation, variables, ""


def _iam(params: dict[str, Any]) -> Variables:
    variables: Variables = {}
    for param, variable in (
        ("RoleName", "RoleNameWithPath"),
        ("UserName", "UserNameWithPath"),
        ("GroupName", "GroupNameWithPath"),
        ("PolicyName", "PolicyNameWithPath"),
    ):
        if params.get(param):
            variables[variable] = str(params[param])
    return variables
