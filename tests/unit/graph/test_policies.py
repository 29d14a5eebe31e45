"""The exact IAM statements each bindable type grants for each access level, scoped to its own ARNs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from squall.app import App
from squall.constructs import Api, Bucket, Function, Queue, Secret, Table, Topic
from squall.constructs.binding import Access
from squall.graph.synth import synthesize

ACCOUNT = "${AWS::AccountId}"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/shop-dev-Target"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:shop-dev-Target"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:shop-dev-Target"
BUCKET = "arn:aws:s3:::shop-dev-target"
PARAMETER = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/squall/shop"

TABLE_READ = [
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
]
TABLE_WRITE = [
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
]
QUEUE_RECEIVE = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
]
QUEUE_SEND = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]


def allow(actions: list[str], resources: list[Any]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": sorted(actions), "Resource": resources}


def sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


SECRET_STATEMENTS = [
    allow(["ssm:GetParameter"], [sub(f"{PARAMETER}/dev/Target"), sub(f"{PARAMETER}/.fallback/Target")]),
    {
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [sub(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*")],
        "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}},
    },
]

CASES: list[tuple[str, Access, list[dict[str, Any]]]] = [
    ("Table", "read", [allow(TABLE_READ, [sub(TABLE), sub(f"{TABLE}/index/*")])]),
    ("Table", "write", [allow(TABLE_WRITE, [sub(TABLE), sub(f"{TABLE}/index/*")])]),
    (
        "Table",
        "readwrite",
        [allow(sorted(set(TABLE_READ + TABLE_WRITE)), [sub(TABLE), sub(f"{TABLE}/index/*")])],
    ),
    ("Bucket", "read", [allow(["s3:GetObject"], [f"{BUCKET}/*"]), allow(["s3:ListBucket"], [BUCKET])]),
    ("Bucket", "write", [allow(["s3:DeleteObject", "s3:PutObject"], [f"{BUCKET}/*"])]),
    (
        "Bucket",
        "readwrite",
        [
            allow(["s3:GetObject"], [f"{BUCKET}/*"]),
            allow(["s3:ListBucket"], [BUCKET]),
            allow(["s3:DeleteObject", "s3:PutObject"], [f"{BUCKET}/*"]),
        ],
    ),
    ("Queue", "read", [allow(QUEUE_RECEIVE, [sub(QUEUE)])]),
    ("Queue", "write", [allow(QUEUE_SEND, [sub(QUEUE)])]),
    ("Queue", "readwrite", [allow(sorted(set(QUEUE_RECEIVE + QUEUE_SEND)), [sub(QUEUE)])]),
    ("Topic", "write", [allow(["sns:Publish"], [sub(TOPIC)])]),
    ("Topic", "readwrite", [allow(["sns:Publish"], [sub(TOPIC)])]),
    ("Topic", "read", []),
    ("Secret", "read", SECRET_STATEMENTS),
    ("Api", "readwrite", []),
    (
        "Function",
        "readwrite",
        [
            allow(
                ["lambda:InvokeFunction"],
                [sub(f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:shop-dev-Target")],
            )
        ],
    ),
]


def make(kind: str, stack: Any) -> Any:
    return {
        "Table": lambda: Table(
            stack, "Target", fields={"id": "string"}, primary_index={"partition_key": "id"}
        ),
        "Bucket": lambda: Bucket(stack, "Target"),
        "Queue": lambda: Queue(stack, "Target"),
        "Topic": lambda: Topic(stack, "Target"),
        "Secret": lambda: Secret(stack, "Target"),
        "Api": lambda: Api(stack, "Target", routes={"GET /": "fn.handler"}),
        "Function": lambda: Function(stack, "Target", handler="fn.handler"),
    }[kind]()


@pytest.mark.parametrize(("kind", "access", "expected"), CASES, ids=[f"{k}-{a}" for k, a, _ in CASES])
def test_exact_statements(tmp_path: Path, kind: str, access: Access, expected: list[dict[str, Any]]) -> None:
    (tmp_path / "fn.py").write_text("def handler(event, context):\n    return event\n")
    app = App("shop", "dev", "us-east-1", root=tmp_path)
    stack = app.stack(lambda stack: None, id="Main")
    target = make(kind, stack)
    Function(stack, "User", handler="fn.handler").bind([target], access=access)
    graph = synthesize(app)
    statements = graph.resource("UserRole").properties["Policies"][0]["PolicyDocument"]["Statement"]
    logs = allow(
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        [sub(f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/shop-dev-User:*")],
    )
    assert statements == [logs, *expected]
    assert all(resource != "*" for statement in statements for resource in statement["Resource"])
