"""Each served service's requests, mapped to the action and resource ARN AWS authorises them on."""

from __future__ import annotations

from pathlib import Path

import pytest

from squall.cloud.iam import reference, requests
from squall.cloud.iam.requests import Ask

ACCOUNT = "123456789012"
JSON = {"content-type": "application/x-amz-json-1.0"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def ref(tmp_path_factory: pytest.TempPathFactory) -> reference.Reference:
    return reference.load(tmp_path_factory.mktemp("cache"))


def asks(
    ref: reference.Reference,
    service: str,
    operation: str,
    *,
    path: str = "/",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> list[tuple[str, str]]:
    found = requests.asks(
        ref,
        service,
        operation,
        method,
        path,
        "",
        headers if headers is not None else JSON,
        body,
        "us-east-1",
        ACCOUNT,
    )
    return [(a.action, a.resource) for a in found]


def test_dynamodb_items_indexes_batches_and_transactions(ref: reference.Reference) -> None:
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/"
    assert asks(ref, "dynamodb", "PutItem", body=b'{"TableName": "t"}') == [("dynamodb:PutItem", table + "t")]
    assert asks(ref, "dynamodb", "Query", body=b'{"TableName": "t", "IndexName": "byDate"}') == [
        ("dynamodb:Query", table + "t/index/byDate")
    ]
    assert asks(ref, "dynamodb", "ListTables", body=b"{}") == [("dynamodb:ListTables", "*")]
    assert asks(ref, "dynamodb", "BatchWriteItem", body=b'{"RequestItems": {"a": [], "b": []}}') == [
        ("dynamodb:BatchWriteItem", table + "a"),
        ("dynamodb:BatchWriteItem", table + "b"),
    ]
    transaction = b'{"TransactItems": [{"Put": {"TableName": "a"}}, {"ConditionCheck": {"TableName": "b"}}]}'
    assert asks(ref, "dynamodb", "TransactWriteItems", body=transaction) == [
        ("dynamodb:PutItem", table + "a"),
        ("dynamodb:ConditionCheckItem", table + "b"),
    ]


def test_s3_objects_buckets_and_copies(ref: reference.Reference) -> None:
    plain: dict[str, str] = {}
    assert asks(ref, "s3", "GetObject", path="/b/dir/k.txt", headers=plain) == [
        ("s3:GetObject", "arn:aws:s3:::b/dir/k.txt")
    ]
    assert asks(ref, "s3", "HeadObject", path="/b/k", headers=plain) == [("s3:GetObject", "arn:aws:s3:::b/k")]
    assert asks(ref, "s3", "ListObjectsV2", path="/b", headers=plain) == [("s3:ListBucket", "arn:aws:s3:::b")]
    assert asks(ref, "s3", "ListBuckets", headers=plain) == [("s3:ListAllMyBuckets", "*")]
    assert asks(ref, "s3", "CreateMultipartUpload", path="/b/k", headers=plain) == [
        ("s3:PutObject", "arn:aws:s3:::b/k")
    ]
    assert asks(ref, "s3", "CopyObject", path="/b/k", headers={"x-amz-copy-source": "/src/a%20b"}) == [
        ("s3:PutObject", "arn:aws:s3:::b/k"),
        ("s3:GetObject", "arn:aws:s3:::src/a b"),
    ]


def test_queues_topics_functions_parameters_logs_events(ref: reference.Reference) -> None:
    url = b"http%3A%2F%2F127.0.0.1%3A4566%2F123456789012%2Fjobs"
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"
    assert asks(
        ref, "sqs", "SendMessage", body=b'{"QueueUrl": "http://127.0.0.1:4566/123456789012/jobs"}'
    ) == [("sqs:SendMessage", queue)]
    assert asks(ref, "sqs", "DeleteMessage", headers=FORM, body=b"Action=DeleteMessage&QueueUrl=" + url) == [
        ("sqs:DeleteMessage", queue)
    ]
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:t"
    assert asks(ref, "sns", "Publish", headers=FORM, body=f"Action=Publish&TopicArn={topic}".encode()) == [
        ("sns:Publish", topic)
    ]
    assert asks(ref, "awslambda", "Invoke", path="/2015-03-31/functions/fn/invocations", headers={}) == [
        ("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn")
    ]
    assert asks(ref, "ssm", "GetParameter", body=b'{"Name": "/squall/app/dev/Key"}') == [
        ("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/squall/app/dev/Key")
    ]
    assert asks(
        ref, "logs", "PutLogEvents", body=b'{"logGroupName": "/aws/lambda/f", "logStreamName": "s"}'
    ) == [("logs:PutLogEvents", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/f:log-stream:s")]
    assert asks(ref, "events", "PutEvents", body=b'{"Entries": [{"Source": "x"}]}') == [
        ("events:PutEvents", f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default")
    ]


def test_sts_identity_needs_no_permission_and_iam_names_roles(ref: reference.Reference) -> None:
    assert asks(ref, "sts", "GetCallerIdentity", headers=FORM, body=b"Action=GetCallerIdentity") == []
    assert asks(ref, "iam", "GetRole", headers=FORM, body=b"Action=GetRole&RoleName=r") == [
        ("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/r")
    ]


def test_the_reference_is_kept_compact_and_reused(tmp_path: Path) -> None:
    first = reference.load(tmp_path)
    (copy,) = tmp_path.glob("iam-reference-*.json")
    assert copy.stat().st_size < 1_000_000
    again = reference.load(tmp_path)
    assert again.action("lambda", "Invoke") == first.action("lambda", "Invoke")
    assert Ask("a", "b") == Ask("a", "b")


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        ("SendMessageBatch", "sqs:SendMessage"),
        ("DeleteMessageBatch", "sqs:DeleteMessage"),
        ("ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility"),
    ],
)
def test_sqs_batches_need_the_action_they_batch_on_the_queue(
    ref: reference.Reference, operation: str, action: str
) -> None:
    body = b'{"QueueUrl": "http://127.0.0.1:4566/123456789012/jobs", "Entries": []}'
    assert asks(ref, "sqs", operation, body=body) == [(action, f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs")]
