"""How each service words a refusal: its error codes, and the wire format botocore parses.

Every service answers a request it cannot deserialize, an operation it does not know, or a value that
breaks its model's constraints with its own code (DynamoDB ``SerializationException`` and
``ValidationException``, SQS ``InvalidParameterValue``, IAM ``ValidationError``, S3 ``MalformedXML``,
...) in its own protocol's error format: a JSON ``__type`` (JSON 1.0 / 1.1), an ``x-amzn-errortype``
header (REST-JSON), an ``<ErrorResponse>`` (query) or an ``<Error>`` document (S3). SQS speaks JSON
with query-compatible codes: the JSON body names the error shape and ``x-amzn-query-error`` carries
the code botocore reports.

The codes come from AWS's answers as recorded against the real services (API Gateway's
``SerializationException`` for a wrong type, Logs' ``InvalidParameterException`` for a constraint,
SQS's ``InvalidParameterValue`` for an oversized message, ...).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Literal
from xml.sax.saxutils import escape

from squall.cloud.operations import SERVICES
from squall.cloud.plugins import CloudResponse

Protocol = Literal["json", "query", "rest-json", "rest-xml"]


@dataclass(frozen=True)
class Rejection:
    """One refusal: the code botocore will report, its message and HTTP status.

    ``shape`` is the error shape a JSON body names when it differs from ``code`` (SQS's
    query-compatible errors: shape ``InvalidParameterValueException``, code ``InvalidParameterValue``).
    """

    code: str
    message: str
    status: int = 400
    shape: str = ""


@dataclass(frozen=True)
class Dialect:
    """A service's wording: the codes for the three kinds of bad request, and its error format."""

    service: str
    protocol: Protocol
    malformed: str = "SerializationException"
    invalid: str = "ValidationException"
    unknown: str = "UnknownOperationException"
    unknown_status: int = 400
    namespace: str = ""
    content_type: str = "application/x-amz-json-1.1"
    unreadable: str = ""  # the code for a value the service cannot read, when not ``invalid``
    parse_prefix: str = ""  # put before a deserialization message (Lambda's "Could not parse ...")
    # SQS: code → JSON error shape, for codes whose shape is named differently
    shapes: dict[str, str] = field(default_factory=dict)

    def malformed_body(self, message: str) -> Rejection:
        return Rejection(self.malformed, self.parse_prefix + message)

    def invalid_value(self, violations: list[str]) -> Rejection:
        count = len(violations)
        noun = "validation error" if count == 1 else "validation errors"
        return Rejection(self.invalid, f"{count} {noun} detected: " + "; ".join(violations))

    def unknown_operation(self, operation: str | None) -> Rejection:
        if self.protocol == "query":
            if not operation:
                return Rejection("MissingAction", "The request must contain the parameter Action.")
            return Rejection(self.unknown, f"The action {operation} is not valid for this endpoint.")
        named = f"{operation!r} is not an operation" if operation else "the request names no operation"
        api = SERVICES.get(self.service, self.service)
        return Rejection(self.unknown, f"{named} of the {api} API", self.unknown_status)

    def respond(self, rejection: Rejection) -> CloudResponse:
        request_id = str(uuid.uuid4())
        if self.protocol == "query":
            return _query_error(self, rejection, request_id)
        if self.protocol == "rest-xml":
            return _s3_error(rejection, request_id)
        if self.protocol == "rest-json":
            body = {"Type": "User", "message": rejection.message, "Message": rejection.message}
            headers = {
                "content-type": "application/json",
                "x-amzn-errortype": rejection.code,
                "x-amzn-requestid": request_id,
            }
            return CloudResponse(rejection.status, headers, json.dumps(body).encode())
        shape = rejection.shape or self.shapes.get(rejection.code, rejection.code)
        headers = {"content-type": self.content_type, "x-amzn-requestid": request_id}
        if self.shapes:  # query-compatible JSON (SQS)
            headers["x-amzn-query-error"] = f"{rejection.code};Sender"
        document = {"__type": f"{self._namespace_of(shape)}#{shape}", "message": rejection.message}
        return CloudResponse(rejection.status, headers, json.dumps(document).encode())

    def _namespace_of(self, shape: str) -> str:
        if shape in ("SerializationException", "UnknownOperationException"):
            return "com.amazon.coral.service"
        if shape == "ValidationException" and self.service.startswith("dynamodb"):
            return "com.amazon.coral.validate"
        return self.namespace


def _query_error(dialect: Dialect, rejection: Rejection, request_id: str) -> CloudResponse:
    body = (
        f'<ErrorResponse xmlns="{dialect.namespace}"><Error><Type>Sender</Type>'
        f"<Code>{escape(rejection.code)}</Code><Message>{escape(rejection.message)}</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    headers = {"content-type": "text/xml", "x-amzn-requestid": request_id}
    return CloudResponse(rejection.status, headers, body.encode())


def _s3_error(rejection: Rejection, request_id: str) -> CloudResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(rejection.code)}</Code><Message>{escape(rejection.message)}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    )
    headers = {"content-type": "application/xml", "x-amz-request-id": request_id}
    return CloudResponse(rejection.status, headers, body.encode())


_SQS_SHAPES = {
    "InvalidParameterValue": "InvalidParameterValueException",
    "MissingParameter": "MissingRequiredParameterException",
    "AWS.SimpleQueueService.TooManyEntriesInBatchRequest": "TooManyEntriesInBatchRequest",
    "AWS.SimpleQueueService.BatchRequestTooLong": "BatchRequestTooLong",
    "AWS.SimpleQueueService.EmptyBatchRequest": "EmptyBatchRequest",
}

DIALECTS: dict[str, Dialect] = {
    "dynamodb": Dialect(
        "dynamodb",
        "json",
        namespace="com.amazonaws.dynamodb.v20120810",
        content_type="application/x-amz-json-1.0",
    ),
    "dynamodbstreams": Dialect(
        "dynamodbstreams",
        "json",
        namespace="com.amazonaws.dynamodb.v20120810",
        content_type="application/x-amz-json-1.0",
    ),
    "sqs": Dialect(
        "sqs",
        "json",
        invalid="InvalidParameterValue",
        namespace="com.amazonaws.sqs",
        content_type="application/x-amz-json-1.0",
        shapes=_SQS_SHAPES,
    ),
    "logs": Dialect("logs", "json", invalid="InvalidParameterException", namespace="com.amazonaws.logs"),
    "events": Dialect("events", "json", namespace="com.amazonaws.events"),
    "ssm": Dialect("ssm", "json", namespace="com.amazonaws.ssm"),
    "awslambda": Dialect(
        "awslambda",
        "rest-json",
        malformed="InvalidRequestContentException",
        unknown_status=404,
        parse_prefix="Could not parse request body into json: ",
    ),
    "apigateway": Dialect("apigateway", "rest-json", unknown_status=404),
    "apigatewayv2": Dialect(
        "apigatewayv2",
        "rest-json",
        malformed="BadRequestException",
        invalid="BadRequestException",
        unknown_status=404,
    ),
    "s3": Dialect("s3", "rest-xml", malformed="MalformedXML"),
}

# the query dialects: SNS, IAM, STS, and SQS when a client speaks its older query protocol
QUERY_DIALECTS: dict[str, Dialect] = {
    "sqs": Dialect(
        "sqs",
        "query",
        malformed="InvalidParameterValue",
        invalid="InvalidParameterValue",
        unknown="InvalidAction",
        namespace="http://queue.amazonaws.com/doc/2012-11-05/",
    ),
    "sns": Dialect(
        "sns",
        "query",
        malformed="InvalidParameter",
        invalid="ValidationError",
        unreadable="InvalidParameter",
        unknown="InvalidAction",
        namespace="http://sns.amazonaws.com/doc/2010-03-31/",
    ),
    "iam": Dialect(
        "iam",
        "query",
        malformed="ValidationError",
        invalid="ValidationError",
        unknown="InvalidAction",
        namespace="https://iam.amazonaws.com/doc/2010-05-08/",
    ),
    "sts": Dialect(
        "sts",
        "query",
        malformed="ValidationError",
        invalid="ValidationError",
        unknown="InvalidAction",
        namespace="https://sts.amazonaws.com/doc/2011-06-15/",
    ),
}


def dialect_of(service: str, query: bool) -> Dialect | None:
    """The dialect a request is answered in (``query``: it was sent in the query protocol)."""
    if query or service not in DIALECTS:
        return QUERY_DIALECTS.get(service)
    return DIALECTS[service]
