"""The check itself: who is checked, each service's refusal, the app's mode, policies re-read after IAM changes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from squall.cloud.auth.keyring import Principal, root_principal
from squall.cloud.iam import reference
from squall.cloud.iam.denials import Denial
from squall.cloud.iam.enforcer import Enforcer

ACCOUNT = "123456789012"
SESSION = Principal(
    f"arn:aws:sts::{ACCOUNT}:assumed-role/app-dev-WriterRole/app-dev-Writer", "assumed-role", "ASIA1"
)
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/app-dev-Notes"
JSON = {"content-type": "application/x-amz-json-1.0"}


@dataclass
class Facts:
    arn: str
    documents: tuple[str, ...]
    tags: Mapping[str, str] = field(default_factory=dict)


class FakeSource:
    def __init__(self, statements: list[dict[str, object]], tags: Mapping[str, str] | None = None) -> None:
        self.facts = Facts(f"arn:aws:iam::{ACCOUNT}:role/app-dev-WriterRole", (), tags or {})
        self.set(statements)
        self.changes = 0
        self.reads = 0

    def set(self, statements: list[dict[str, object]]) -> None:
        self.facts.documents = (json.dumps({"Version": "2012-10-17", "Statement": statements}),)

    def role(self, account_id: str, role_name: str) -> Facts | None:
        self.reads += 1
        return self.facts if role_name == "app-dev-WriterRole" else None

    def version(self) -> int:
        return self.changes

    def changed_since(self, version: int) -> bool:
        return self.changes != version


@pytest.fixture(scope="module")
def ref(tmp_path_factory: pytest.TempPathFactory) -> reference.Reference:
    return reference.load(tmp_path_factory.mktemp("cache"))


READ = [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": [TABLE]}]


def check(
    enforcer: Enforcer,
    principal: Principal,
    operation: str,
    body: bytes,
    service: str = "dynamodb",
    headers: Mapping[str, str] = JSON,
):  # type: ignore[no-untyped-def]
    return enforcer.check(principal, service, operation, "POST", "/", "", headers, body, "us-east-1")


def test_a_role_session_is_allowed_what_its_policy_allows_and_denied_the_rest(
    ref: reference.Reference,
) -> None:
    denials: list[Denial] = []
    enforcer = Enforcer(lambda: ref, FakeSource(READ), [denials.append])
    body = json.dumps({"TableName": "app-dev-Notes"}).encode()
    assert check(enforcer, SESSION, "GetItem", body) is None
    refused = check(enforcer, SESSION, "PutItem", body)
    assert refused is not None and refused.status == 400
    document = json.loads(refused.body)
    assert document["__type"].endswith("#AccessDeniedException")
    assert document["message"] == (
        f"User: {SESSION.arn} is not authorized to perform: dynamodb:PutItem on resource: {TABLE} "
        "because no identity-based policy allows the dynamodb:PutItem action"
    )
    assert [(d.action, d.resource, d.session, d.enforced) for d in denials] == [
        ("dynamodb:PutItem", TABLE, "app-dev-Writer", True)
    ]


def test_the_root_key_is_not_checked(ref: reference.Reference) -> None:
    enforcer = Enforcer(lambda: ref, FakeSource([]))
    assert check(enforcer, root_principal("AKIA1"), "DeleteTable", b'{"TableName": "x"}') is None
    assert check(enforcer, None, "DeleteTable", b'{"TableName": "x"}') is None  # squall's own calls


def test_each_service_refuses_in_its_own_words(ref: reference.Reference) -> None:
    enforcer = Enforcer(lambda: ref, FakeSource([]))
    s3 = enforcer.check(SESSION, "s3", "PutObject", "PUT", "/bucket/key", "", {}, b"", "us-east-1")
    assert s3 is not None and s3.status == 403 and b"<Code>AccessDenied</Code>" in s3.body
    assert b'on resource: "arn:aws:s3:::bucket/key"' in s3.body
    form = {"content-type": "application/x-www-form-urlencoded"}
    sns = check(
        enforcer, SESSION, "Publish", b"Action=Publish&TopicArn=arn:aws:sns:us-east-1:1:t", "sns", form
    )
    assert sns is not None and sns.status == 403 and b"<Code>AuthorizationError</Code>" in sns.body
    sqs = check(
        enforcer,
        SESSION,
        "SendMessage",
        b'{"QueueUrl": "http://h/1/q"}',
        "sqs",
        {"x-amz-target": "AmazonSQS.SendMessage", **JSON},
    )
    assert (
        sqs is not None and sqs.status == 403 and sqs.headers["x-amzn-query-error"] == "AccessDenied;Sender"
    )
    lam = enforcer.check(
        SESSION,
        "awslambda",
        "Invoke",
        "POST",
        "/2015-03-31/functions/f/invocations",
        "",
        {},
        b"",
        "us-east-1",
    )
    assert (
        lam is not None and lam.status == 403 and lam.headers["x-amzn-errortype"] == "AccessDeniedException:"
    )


def test_explicit_deny_is_worded_as_aws_does(ref: reference.Reference) -> None:
    deny = [*READ, {"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": "*"}]
    refused = check(
        Enforcer(lambda: ref, FakeSource(deny)), SESSION, "GetItem", b'{"TableName": "app-dev-Notes"}'
    )
    assert refused is not None
    assert json.loads(refused.body)["message"].endswith("with an explicit deny in an identity-based policy")


def test_warn_mode_reports_and_allows_and_off_does_not_check(ref: reference.Reference) -> None:
    denials: list[Denial] = []
    warn = Enforcer(lambda: ref, FakeSource(READ, {"squall:iam": "warn"}), [denials.append])
    assert check(warn, SESSION, "PutItem", b'{"TableName": "app-dev-Notes"}') is None
    assert [(d.action, d.enforced) for d in denials] == [("dynamodb:PutItem", False)]
    off = Enforcer(lambda: ref, FakeSource(READ, {"squall:iam": "off"}), [denials.append])
    assert check(off, SESSION, "PutItem", b'{"TableName": "app-dev-Notes"}') is None
    assert len(denials) == 1


def test_policies_are_read_once_and_again_after_an_iam_change(ref: reference.Reference) -> None:
    source = FakeSource(READ)
    enforcer = Enforcer(lambda: ref, source)
    body = b'{"TableName": "app-dev-Notes"}'
    for _ in range(3):
        assert check(enforcer, SESSION, "PutItem", body) is not None
    assert source.reads == 1
    source.set([{"Effect": "Allow", "Action": "dynamodb:*", "Resource": TABLE}])
    source.changes += 1
    assert check(enforcer, SESSION, "PutItem", body) is None
    assert source.reads == 2
