"""Service limits that AWS enforces beyond its models' constraints, with AWS's codes and messages.

The model already bounds counts (``BatchWriteItem`` 25 requests per table, ``TransactWriteItems`` and
``TransactGetItems`` 100, ``PutEvents`` 10 entries, ``PutLogEvents`` 10,000 events); these are the
limits it cannot express:

- DynamoDB: see ``dynamodb`` (attribute values, item and request sizes).
- SQS: a message, body plus attributes (name, type and value), at most 1 MiB (1,048,576 bytes: the
  limit AWS raised from 256 KiB in August 2025); a batch at most 10 entries and 1 MiB in all.
- SNS: a message with its attributes at most 256 KiB; a batch at most 256 KiB in all.
- SSM: a parameter value at most 4,096 characters on the standard tier, 8,192 on the advanced.
- Lambda ``Invoke``: a request at most 6 MiB (synchronous) or 1 MiB (``Event``: the asynchronous limit
  AWS raised from 256 KB in October 2025), refused with 413 ``RequestEntityTooLargeException``.
- CloudWatch Logs: a ``PutLogEvents`` batch at most 1,048,576 bytes (each message in UTF-8 plus 26).
- S3: an object key at most 1,024 bytes in UTF-8; user metadata (names and values) at most 2 KB.
- SQS queue attributes: numbers that parse, policies that are JSON objects (``InvalidAttributeValue``).

Each check takes the decoded request (a JSON document, or a query request's flat parameters) and
returns a ``Rejection`` or None.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from squall.cloud.plugins import CloudRequest
from squall.cloud.validation import dynamodb
from squall.cloud.validation.dialects import Rejection
from squall.cloud.validation.dynamodb import binary_size

Check = Callable[[Any, CloudRequest], Rejection | None]

SQS_MESSAGE_BYTES = 1024 * 1024
SQS_BATCH_ENTRIES = 10
SNS_MESSAGE_BYTES = 256 * 1024
SSM_STANDARD_VALUE = 4096
SSM_ADVANCED_VALUE = 8192
LAMBDA_SYNC_BYTES = 6 * 1024 * 1024
LAMBDA_ASYNC_BYTES = 1024 * 1024
LOGS_BATCH_BYTES = 1_048_576
LOGS_EVENT_OVERHEAD = 26
S3_KEY_BYTES = 1024
S3_METADATA_BYTES = 2048
_S3_META = "x-amz-meta-"


# --- SQS (JSON protocol) ----------------------------------------------------------------------------


def _sqs_attributes_size(attributes: Any) -> int:
    if not isinstance(attributes, dict):
        return 0
    size = 0
    for name, attribute in attributes.items():
        size += len(name.encode())
        if isinstance(attribute, dict):
            size += len(str(attribute.get("DataType") or "").encode())
            size += len(str(attribute.get("StringValue") or "").encode())
            binary = attribute.get("BinaryValue")
            size += binary_size(binary) if isinstance(binary, str) else 0
    return size


def _sqs_message_size(entry: dict[str, Any]) -> int:
    body = entry.get("MessageBody")
    return len(body.encode() if isinstance(body, str) else b"") + _sqs_attributes_size(
        entry.get("MessageAttributes")
    )


def send_message(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    if _sqs_message_size(document) > SQS_MESSAGE_BYTES:
        return Rejection(
            "InvalidParameterValue",
            f"One or more parameters are invalid. Reason: Message must be shorter than {SQS_MESSAGE_BYTES} bytes.",
        )
    return None


def _sqs_batch(document: dict[str, Any], entry_name: str) -> Rejection | None:
    entries = document.get("Entries")
    if not isinstance(entries, list):
        return None
    if not entries:
        return Rejection(
            "AWS.SimpleQueueService.EmptyBatchRequest",
            f"There should be at least one {entry_name} in the request.",
        )
    if len(entries) > SQS_BATCH_ENTRIES:
        return Rejection(
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {SQS_BATCH_ENTRIES}. You have sent {len(entries)}.",
        )
    return None


def send_message_batch(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    rejected = _sqs_batch(document, "SendMessageBatchRequestEntry")
    if rejected:
        return rejected
    total = sum(_sqs_message_size(e) for e in document.get("Entries") or [] if isinstance(e, dict))
    if total > SQS_MESSAGE_BYTES:
        return Rejection(
            "AWS.SimpleQueueService.BatchRequestTooLong",
            f"Batch requests cannot be longer than {SQS_MESSAGE_BYTES} bytes. You have sent {total} bytes.",
        )
    return None


def delete_message_batch(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    return _sqs_batch(document, "DeleteMessageBatchRequestEntry")


def change_visibility_batch(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    return _sqs_batch(document, "ChangeMessageVisibilityBatchRequestEntry")


_SQS_NUMBERS = frozenset(
    {
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "KmsDataKeyReusePeriodSeconds",
    }
)
_SQS_JSON = frozenset({"Policy", "RedrivePolicy", "RedriveAllowPolicy"})


def queue_attributes(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    """CreateQueue, SetQueueAttributes: numbers that are numbers, policies that are JSON objects."""
    for name, value in (document.get("Attributes") or {}).items():
        if name in _SQS_NUMBERS and not value.strip().lstrip("-").isdigit():
            return Rejection("InvalidAttributeValue", f"Invalid value for the parameter {name}.")
        if name in _SQS_JSON and value:
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                return Rejection(
                    "InvalidAttributeValue",
                    f"Invalid value for the parameter {name}. Reason: {name} is not a valid JSON map.",
                )
    return None


# --- SNS (query protocol: flat parameters) ----------------------------------------------------------

_SNS_ATTRIBUTE = re.compile(
    r"(?:(.*)\.)?MessageAttributes\.entry\.\d+\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue)"
)


def _sns_sizes(params: dict[str, str], entries: str | None) -> dict[str, int]:
    """Bytes per message: '' for Publish, the entry prefix for PublishBatch entries."""
    sizes: dict[str, int] = {}
    entry = re.compile(rf"({re.escape(entries)}\.member\.\d+)\.Message") if entries else None
    for key, value in params.items():
        if entry is not None:
            found = entry.fullmatch(key)
            if found:
                sizes[found.group(1)] = sizes.get(found.group(1), 0) + len(value.encode())
                continue
        elif key == "Message":
            sizes[""] = sizes.get("", 0) + len(value.encode())
            continue
        attribute = _SNS_ATTRIBUTE.fullmatch(key)
        if attribute:
            owner = attribute.group(1) or ""
            size = binary_size(value) if attribute.group(2).endswith("BinaryValue") else len(value.encode())
            sizes[owner] = sizes.get(owner, 0) + size
    return sizes


def publish(params: dict[str, str], request: CloudRequest) -> Rejection | None:
    if not any(params.get(target) for target in ("TopicArn", "TargetArn", "PhoneNumber")):
        return Rejection(
            "InvalidParameter",
            "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter",
        )
    if sum(_sns_sizes(params, None).values()) > SNS_MESSAGE_BYTES:
        return Rejection("InvalidParameter", "Invalid parameter: Message too long")
    return None


def publish_batch(params: dict[str, str], request: CloudRequest) -> Rejection | None:
    if sum(_sns_sizes(params, "PublishBatchRequestEntries").values()) > SNS_MESSAGE_BYTES:
        return Rejection(
            "BatchRequestTooLong", "The length of all the messages put together is more than the limit."
        )
    return None


# --- SSM, Lambda, CloudWatch Logs -------------------------------------------------------------------


def put_parameter(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    value = document.get("Value")
    if not isinstance(value, str):
        return None
    tier = document.get("Tier") or "Standard"
    if tier == "Standard" and len(value) > SSM_STANDARD_VALUE:
        return Rejection(
            "ValidationException",
            f"Standard tier parameters support a maximum parameter value of {SSM_STANDARD_VALUE} characters. "
            "To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. "
            "For more information, see "
            "https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html",
        )
    if len(value) > SSM_ADVANCED_VALUE:
        return Rejection(
            "ValidationException",
            "1 validation error detected: Value at 'value' failed to satisfy constraint: "
            f"Member must have length less than or equal to {SSM_ADVANCED_VALUE}",
        )
    return None


def invoke(document: Any, request: CloudRequest) -> Rejection | None:
    size = len(request.body)
    if request.headers.get("x-amz-invocation-type") == "Event":
        if size > LAMBDA_ASYNC_BYTES:
            return Rejection(
                "RequestEntityTooLargeException",
                f"{size} byte payload is too large for the Event invocation type (limit {LAMBDA_ASYNC_BYTES} bytes)",
                413,
            )
    elif size > LAMBDA_SYNC_BYTES:
        return Rejection(
            "RequestEntityTooLargeException",
            f"Request must be smaller than {LAMBDA_SYNC_BYTES} bytes for the InvokeFunction operation",
            413,
        )
    return None


def put_log_events(document: dict[str, Any], request: CloudRequest) -> Rejection | None:
    events = document.get("logEvents")
    if not isinstance(events, list):
        return None
    size = sum(
        len(str(event.get("message", "")).encode()) + LOGS_EVENT_OVERHEAD
        for event in events
        if isinstance(event, dict)
    )
    if size > LOGS_BATCH_BYTES:
        return Rejection(
            "InvalidParameterException", f"Upload too large: {size} bytes exceeds limit of {LOGS_BATCH_BYTES}"
        )
    return None


def s3_object(document: Any, request: CloudRequest) -> Rejection | None:
    """PutObject, CopyObject, CreateMultipartUpload: a key of at most 1,024 bytes, metadata of 2 KB."""
    key = unquote(request.path.lstrip("/").partition("/")[2])  # path-style: /bucket/key
    if len(key.encode()) > S3_KEY_BYTES:
        return Rejection("KeyTooLongError", "Your key is too long")
    metadata = sum(
        len(name[len(_S3_META) :].encode()) + len(value.encode())
        for name, value in request.headers.items()
        if name.startswith(_S3_META)
    )
    if metadata > S3_METADATA_BYTES:
        return Rejection("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size")
    return None


CHECKS: dict[tuple[str, str], Check] = {
    ("dynamodb", "PutItem"): dynamodb.put_item,
    ("dynamodb", "GetItem"): dynamodb.keyed,
    ("dynamodb", "DeleteItem"): dynamodb.keyed,
    ("dynamodb", "UpdateItem"): dynamodb.keyed,
    ("dynamodb", "Query"): dynamodb.keyed,
    ("dynamodb", "Scan"): dynamodb.keyed,
    ("dynamodb", "BatchWriteItem"): dynamodb.batch_write_item,
    ("dynamodb", "BatchGetItem"): dynamodb.batch_get_item,
    ("dynamodb", "TransactWriteItems"): dynamodb.transact_write_items,
    ("dynamodb", "TransactGetItems"): dynamodb.transact_get_items,
    ("sqs", "SendMessage"): send_message,
    ("sqs", "CreateQueue"): queue_attributes,
    ("sqs", "SetQueueAttributes"): queue_attributes,
    ("sqs", "SendMessageBatch"): send_message_batch,
    ("sqs", "DeleteMessageBatch"): delete_message_batch,
    ("sqs", "ChangeMessageVisibilityBatch"): change_visibility_batch,
    ("sns", "Publish"): publish,
    ("sns", "PublishBatch"): publish_batch,
    ("ssm", "PutParameter"): put_parameter,
    ("awslambda", "Invoke"): invoke,
    ("logs", "PutLogEvents"): put_log_events,
    ("s3", "PutObject"): s3_object,
    ("s3", "CopyObject"): s3_object,
    ("s3", "CreateMultipartUpload"): s3_object,
}
