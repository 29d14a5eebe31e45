"""Requests refused as AWS refuses them, before moto sees them.

``check(request)`` runs on every AWS request the local cloud serves (``LocalCloud.handle``, before any
plugin or moto) and returns the service's own error response, or None to let the request through:

1. the operation must exist: an unknown ``X-Amz-Target`` gets ``UnknownOperationException``, an
   unknown ``Action`` ``InvalidAction`` (REST routes are left to moto, which answers 404);
2. the body must deserialize in the operation's protocol: JSON that parses, is an object and is not
   nested absurdly deep (``SerializationException``; Lambda's ``InvalidRequestContentException``),
   a query string that decodes (``MalformedQueryString``), S3 XML that is well formed and has no DTD
   (``MalformedXML``); query parameters and REST headers that parse as their members' types;
3. its values must fit the operation's input shape in botocore's model (``shapes``): types (the
   deserializer's ``SerializationException``), then required members, lengths, ranges, enums and
   patterns, all reported at once in AWS's ``N validation errors detected: ...`` form;
4. the service's limits that no model states (``limits``, ``dynamodb``): item and message sizes,
   batch sizes, key lengths.

The wording of each refusal is the service's (``dialects``). botocore does not retry any of them: they
are 4xx and not throttling codes. ``refuse_input`` words an exception moto raised on bad input the
same way, so such input gets a 400 rather than a retried 500.

Cost: the models are compiled once per operation (``model``); a typical ``PutItem`` pays one JSON
parse and a walk of its item, about 0.03 ms (``bench/bench_validation.py`` measures it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import InvalidOperation
from typing import Any
from urllib.parse import parse_qsl
from xml.parsers import expat

from squall.cloud.plugins import CloudRequest, CloudResponse
from squall.cloud.validation import limits, model, shapes
from squall.cloud.validation.dialects import Dialect, Rejection, dialect_of

__all__ = ["check", "refuse_input"]

_S3_MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema"


def check(request: CloudRequest) -> CloudResponse | None:
    """The service's error for a request it would refuse, or None."""
    service = model.service(request.service)
    if service is None:
        return None
    query = service.protocol == "query" or (
        request.service == "sqs" and _speaks_query(request.headers, request.query)
    )
    dialect = dialect_of(request.service, query)
    if dialect is None:
        return None
    rejection = _judge(request, service, dialect)
    return dialect.respond(rejection) if rejection is not None else None


def _speaks_query(headers: Mapping[str, str], query: str) -> bool:
    if "x-amz-target" in headers:
        return False
    return "Action=" in query or headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )


def _judge(request: CloudRequest, service: model.Service, dialect: Dialect) -> Rejection | None:
    name = request.operation
    protocol = dialect.protocol
    if protocol in ("json", "query"):
        if not _known(request, service, dialect):
            if request.service == "sqs" and protocol == "json" and "x-amz-target" not in request.headers:
                return Rejection("UnknownOperationException", "the request names no SQS operation", 404)
            return dialect.unknown_operation(name)
    elif name is None or name not in service.operation_names:
        return None  # a REST route botocore does not know: moto answers it (404 when it has none)
    assert name is not None
    operation = model.operation(request.service, name)
    document: Any = None
    if protocol == "json":
        document, rejection = _json_body(request.body, dialect)
        if rejection is None:
            rejection = _document(operation, document, request, dialect)
    elif protocol == "query":
        document, rejection = _query_params(request)
        if rejection is None:
            rejection = _params(
                operation.params,
                operation.required,
                document,
                dialect,
                missing_parameter=request.service == "sqs",
            )
    elif protocol == "rest-json":
        rejection = _rest_members(operation, request, dialect)
        if rejection is None and operation.body is not None:
            document, rejection = _json_body(request.body, dialect)
            if rejection is None:
                rejection = _document(operation, document, request, dialect)
    else:
        rejection = _rest_members(operation, request, dialect)
        if rejection is None and operation.xml_body and request.body.strip():
            rejection = _xml_body(request.body)
    if rejection is not None:
        return rejection
    limit = limits.CHECKS.get((request.service, name))
    return limit(document, request) if limit is not None else None


def _known(request: CloudRequest, service: model.Service, dialect: Dialect) -> bool:
    name = request.operation
    if not name or name not in service.operation_names:
        return False
    if dialect.protocol == "json":
        prefix = request.headers.get("x-amz-target", "").rpartition(".")[0]
        return prefix == service.target_prefix
    return True


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _json_body(body: bytes, dialect: Dialect) -> tuple[Any, Rejection | None]:
    if not body.strip():
        return {}, None
    try:
        document = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        return None, dialect.malformed_body("Document nesting depth exceeds the maximum allowed")
    except UnicodeDecodeError:
        return None, dialect.malformed_body("the request body is not UTF-8")
    except ValueError as exc:
        return None, dialect.malformed_body(str(exc))
    return document, None


def _document(
    operation: model.Operation, document: Any, request: CloudRequest, dialect: Dialect
) -> Rejection | None:
    spec = operation.body
    if spec is None:
        return None
    if dialect.shapes and isinstance(document, dict):  # SQS names the first missing parameter
        for member in spec.required:
            if document.get(member.wire) is None:
                return Rejection("MissingParameter", f"The request must contain the parameter {member.wire}.")
    problem = shapes.check(spec, document, request.service, operation.body_prefix)
    return _rejection(problem, dialect)


def _rejection(problem: shapes.Problem | None, dialect: Dialect) -> Rejection | None:
    if problem is None:
        return None
    if isinstance(problem, shapes.Malformed):
        return dialect.malformed_body(problem.message)
    return dialect.invalid_value(problem.violations)


def _query_params(request: CloudRequest) -> tuple[dict[str, str], Rejection | None]:
    params: dict[str, str] = {}
    try:
        texts = [request.query, request.body.decode("utf-8")]
    except UnicodeDecodeError:
        return params, Rejection("MalformedQueryString", "the request body is not UTF-8", 404)
    for text in texts:
        for key, value in parse_qsl(text, keep_blank_values=True):
            params.setdefault(key, value)
    return params, None


def _scalar(spec: shapes.Spec, raw: str) -> tuple[Any, str | None]:
    """A query or header value as the member's type, or what it should have been."""
    kind = spec.kind
    try:
        if kind in ("integer", "long"):
            return int(raw), None
        if kind in ("float", "double"):
            return float(raw), None
    except ValueError:
        return None, "an integer" if kind in ("integer", "long") else "a number"
    if kind == "boolean":
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            return None, "true or false"
        return lowered == "true", None
    return raw, None


def _params(
    members: tuple[shapes.Member, ...],
    required: tuple[shapes.Member, ...],
    params: dict[str, str],
    dialect: Dialect,
    *,
    missing_parameter: bool = False,
) -> Rejection | None:
    """Query-protocol members (or REST query and header members): present, parseable, within bounds."""
    violations: list[str] = []
    for member in members:
        key = member.location_name
        raw = params.get(key)
        if raw is None:
            continue
        spec = member.spec
        if spec.kind not in shapes.SCALARS:
            continue
        value, expected = _scalar(spec, raw)
        if expected is not None:
            return Rejection(
                dialect.malformed, f"Value {raw} for parameter {key} is invalid. Reason: must be {expected}."
            )
        violations.extend(shapes.violations(spec, value, member.label, dialect.service))
    for member in required:
        key = member.location_name
        if key in params or any(k.startswith(key + ".") for k in params):
            continue
        if missing_parameter:
            return Rejection("MissingParameter", f"The request must contain the parameter {key}.")
        violations.append(
            f"Value null at '{member.label}' failed to satisfy constraint: Member must not be null"
        )
    return dialect.invalid_value(violations) if violations else None


def _rest_members(operation: model.Operation, request: CloudRequest, dialect: Dialect) -> Rejection | None:
    if not operation.query and not operation.headers:
        return None
    values: dict[str, str] = {}
    if operation.query and request.query:
        values.update(dict(parse_qsl(request.query, keep_blank_values=True)))
    for member in operation.headers:
        found = request.headers.get(member.location_name.lower())
        if found is not None:
            values[member.location_name] = found
    return _params(operation.query + operation.headers, (), values, dialect)


def _refuse_dtd(*args: object) -> None:
    raise ValueError("a DTD is not allowed")


def _xml_body(body: bytes) -> Rejection | None:
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    try:
        parser.Parse(body, True)
    except (expat.ExpatError, ValueError):
        return Rejection("MalformedXML", _S3_MALFORMED)
    return None


def _caused_by_input(exc: BaseException) -> bool:
    """Whether an exception moto raised comes from the request's content, not from a fault of its own."""
    if isinstance(exc, ValueError | InvalidOperation | SyntaxError | expat.ExpatError):
        return True
    return type(exc).__module__.startswith("yaml")


def refuse_input(
    service: str, query: str, headers: Mapping[str, str], exc: BaseException
) -> CloudResponse | None:
    """The service's invalid-value error for a value moto failed to read (None: not the input's fault).

    The request deserialized and fit the model, so what moto could not read is a value inside it (a
    number in a string attribute, JSON in a policy): the service's code for an invalid value.
    """
    if not _caused_by_input(exc):
        return None
    speaks_query = service in ("sns", "iam", "sts") or (service == "sqs" and _speaks_query(headers, query))
    dialect = dialect_of(service, speaks_query)
    if dialect is None:
        return None
    return dialect.respond(
        Rejection(dialect.unreadable or dialect.invalid, f"A value in the request could not be read: {exc}")
    )
