"""Refusals worded as each service words them: the code, status and body shape its clients expect.

AWS answers an unauthenticated request in the protocol of the service asked: S3 with an XML ``<Error>``
(``AccessDenied``, ``SignatureDoesNotMatch``, ``InvalidAccessKeyId``, ``RequestTimeTooSkewed``...), JSON
services (DynamoDB, SSM, CloudWatch Logs, EventBridge) with a 400 and ``__type``
(``MissingAuthenticationTokenException``, ``UnrecognizedClientException``, ``InvalidSignatureException``),
REST-JSON ones (Lambda, API Gateway) the same codes with a 403, and query services (IAM, STS, SNS, SQS)
with an XML ``<ErrorResponse>`` (``MissingAuthenticationToken``, ``InvalidClientTokenId``,
``SignatureDoesNotMatch``). None of these is retried by botocore. SQS speaks JSON to recent clients but
keeps its query codes, which botocore reads from ``x-amzn-query-error``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Literal
from xml.sax.saxutils import escape

from squall.cloud.auth.failures import AuthFailure, Kind
from squall.cloud.plugins import CloudResponse

Protocol = Literal["rest-xml", "json", "rest-json", "query", "sqs-json"]

_JSON_SERVICES = frozenset({"dynamodb", "dynamodbstreams", "logs", "events", "ssm", "cognitoidp", "squall"})
_REST_JSON_SERVICES = frozenset({"awslambda", "apigateway", "apigatewayv2"})
_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
    "sqs": "http://queue.amazonaws.com/doc/2012-11-05/",
}

_SIGNATURE_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
_INVALID_TOKEN = "The security token included in the request is invalid."
_EXPIRED_TOKEN = "The security token included in the request is expired"

# kind -> (status, code, message) for S3
_S3: dict[Kind, tuple[int, str, str]] = {
    "missing": (403, "AccessDenied", "Access Denied"),
    "malformed": (400, "AuthorizationHeaderMalformed", "The authorization header is malformed; {detail}"),
    "unsupported": (
        400,
        "InvalidRequest",
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
    ),
    "unknown_key": (
        403,
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
    ),
    "bad_token": (400, "InvalidToken", "The provided token is malformed or otherwise invalid."),
    "expired_token": (400, "ExpiredToken", "The provided token has expired."),
    "signature": (
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    ),
    "skewed": (
        403,
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
    ),
    "expired": (403, "AccessDenied", "Request has expired"),
    "not_yet_valid": (403, "AccessDenied", "Request is not valid yet"),
    "content_sha256": (
        400,
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
    ),
    "missing_content_sha256": (
        400,
        "InvalidRequest",
        "Missing required header for this request: x-amz-content-sha256",
    ),
    "bad_content_sha256": (
        400,
        "InvalidArgument",
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
    ),
    "incomplete_body": (400, "IncompleteBody", "The request body terminated unexpectedly: {detail}"),
    "policy": (403, "AccessDenied", "{detail}"),
    "forbidden": (403, "AccessDenied", "{detail}"),
}

# kind -> (code, message) for JSON and REST-JSON services
_JSON: dict[Kind, tuple[str, str]] = {
    "missing": ("MissingAuthenticationTokenException", "Request is missing Authentication Token"),
    "malformed": ("IncompleteSignatureException", "{detail}"),
    "unsupported": ("IncompleteSignatureException", "{detail}"),
    "unknown_key": ("UnrecognizedClientException", _INVALID_TOKEN),
    "bad_token": ("UnrecognizedClientException", _INVALID_TOKEN),
    "expired_token": ("ExpiredTokenException", _EXPIRED_TOKEN),
    "signature": ("InvalidSignatureException", _SIGNATURE_MESSAGE),
    "skewed": ("InvalidSignatureException", "{detail}"),
    "expired": ("InvalidSignatureException", "{detail}"),
    "not_yet_valid": ("InvalidSignatureException", "{detail}"),
    "forbidden": ("AccessDeniedException", "{detail}"),
}

# kind -> (status, code, message) for query services
_QUERY: dict[Kind, tuple[int, str, str]] = {
    "missing": (403, "MissingAuthenticationToken", "Request is missing Authentication Token"),
    "malformed": (400, "IncompleteSignature", "{detail}"),
    "unsupported": (400, "IncompleteSignature", "{detail}"),
    "unknown_key": (403, "InvalidClientTokenId", _INVALID_TOKEN),
    "bad_token": (403, "InvalidClientTokenId", _INVALID_TOKEN),
    "expired_token": (403, "ExpiredToken", _EXPIRED_TOKEN),
    "signature": (403, "SignatureDoesNotMatch", _SIGNATURE_MESSAGE),
    "skewed": (403, "SignatureDoesNotMatch", "{detail}"),
    "expired": (403, "SignatureDoesNotMatch", "{detail}"),
    "not_yet_valid": (403, "SignatureDoesNotMatch", "{detail}"),
    "forbidden": (403, "AccessDenied", "{detail}"),
}


def protocol_of(service: str, headers: Mapping[str, str]) -> Protocol:
    if service == "s3":
        return "rest-xml"
    if service in _JSON_SERVICES:
        return "json"
    if service in _REST_JSON_SERVICES:
        return "rest-json"
    if service == "sqs" and ("x-amz-target" in headers or "json" in headers.get("content-type", "")):
        return "sqs-json"
    return "query"


def refusal(failure: AuthFailure, service: str, headers: Mapping[str, str]) -> CloudResponse:
    """The service's answer to a request that failed authentication."""
    protocol = protocol_of(service, headers)
    kind = failure.kind
    if protocol == "rest-xml":
        status, code, message = _S3.get(kind, _S3["signature"])
        return s3_error(status, code, _fill(message, failure), failure.extra)
    if protocol in ("json", "rest-json"):
        code, message = _JSON.get(kind, _JSON["signature"])
        status = 400 if protocol == "json" else 403
        if kind == "forbidden":
            status = 403
        return json_error(status, code, _fill(message, failure), rest=protocol == "rest-json")
    status, code, message = _QUERY.get(kind, _QUERY["signature"])
    if protocol == "sqs-json":
        return sqs_json_error(status, code, _fill(message, failure))
    return query_error(status, code, _fill(message, failure), service)


def s3_error(status: int, code: str, message: str, extra: Mapping[str, str] | None = None) -> CloudResponse:
    request_id = _request_id()
    fields = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in (extra or {}).items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>{fields}"
        f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
    )
    return CloudResponse(
        status, {"content-type": "application/xml", "x-amz-request-id": request_id}, body.encode()
    )


def json_error(status: int, code: str, message: str, *, rest: bool = False) -> CloudResponse:
    request_id = _request_id()
    if rest:
        document: dict[str, str] = {"Type": "User", "message": message}
        content_type = "application/json"
    else:
        document = {"__type": f"com.amazon.coral.service#{code}", "message": message}
        content_type = "application/x-amz-json-1.1"
    headers = {"content-type": content_type, "x-amzn-errortype": f"{code}:", "x-amzn-requestid": request_id}
    return CloudResponse(status, headers, json.dumps(document).encode())


def sqs_json_error(status: int, code: str, message: str) -> CloudResponse:
    request_id = _request_id()
    document = {"__type": f"com.amazon.coral.service#{code}", "message": message}
    headers = {
        "content-type": "application/x-amz-json-1.0",
        "x-amzn-query-error": f"{code};Sender",
        "x-amzn-requestid": request_id,
    }
    return CloudResponse(status, headers, json.dumps(document).encode())


def query_error(status: int, code: str, message: str, service: str) -> CloudResponse:
    request_id = _request_id()
    namespace = _NAMESPACES.get(service, "https://amazonaws.com/doc/")
    body = (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return CloudResponse(status, {"content-type": "text/xml", "x-amzn-requestid": request_id}, body.encode())


def _fill(message: str, failure: AuthFailure) -> str:
    return message.replace("{detail}", failure.detail or failure.kind)


def _request_id() -> str:
    return str(uuid.uuid4())
