"""IAM's evaluation rules: explicit deny, then allow, else implicit deny; wildcards; conditions."""

from __future__ import annotations

from typing import Any

import pytest

from squall.cloud.iam.policy import Policy

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/app-dev-Notes"


def policy(*statements: dict[str, Any]) -> Policy:
    return Policy.parse([{"Version": "2012-10-17", "Statement": list(statements)}])


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_nothing_allows_means_implicit_deny() -> None:
    assert policy().decide("dynamodb:GetItem", TABLE, {}) == "implicit-deny"
    assert policy(allow("dynamodb:GetItem", TABLE)).decide("dynamodb:PutItem", TABLE, {}) == "implicit-deny"


def test_allow_matches_action_case_insensitively_and_resource_exactly() -> None:
    granted = policy(allow(["DynamoDB:getitem"], [TABLE]))
    assert granted.decide("dynamodb:GetItem", TABLE, {}) == "allow"
    assert granted.decide("dynamodb:GetItem", TABLE.upper(), {}) == "implicit-deny"


def test_explicit_deny_wins_over_allow() -> None:
    both = policy(
        allow("dynamodb:*", "*"), {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": TABLE}
    )
    assert both.decide("dynamodb:PutItem", TABLE, {}) == "explicit-deny"
    assert both.decide("dynamodb:GetItem", TABLE, {}) == "allow"


@pytest.mark.parametrize(
    ("action", "resource", "decision"),
    [
        ("s3:GetObject", "arn:aws:s3:::bucket/a/b.txt", "allow"),
        ("s3:GetObjectVersion", "arn:aws:s3:::bucket/a/b.txt", "allow"),
        ("s3:GetObject", "arn:aws:s3:::bucket", "implicit-deny"),
        ("s3:PutObject", "arn:aws:s3:::bucket/a", "implicit-deny"),
        ("s3:GetObject", "arn:aws:s3:::bucket2/a", "implicit-deny"),
        ("sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:123456789012:q1", "allow"),
        ("sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:123456789012:q12", "implicit-deny"),
    ],
)
def test_wildcards_in_actions_and_resources(action: str, resource: str, decision: str) -> None:
    granted = policy(
        allow("s3:GetObject*", "arn:aws:s3:::bucket/*"),
        allow("sqs:Receive*", "arn:aws:sqs:*:123456789012:q?"),
    )
    assert granted.decide(action, resource, {}) == decision


def test_not_action_and_not_resource() -> None:
    everything_but = policy(
        {"Effect": "Allow", "NotAction": "dynamodb:DeleteTable", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "NotResource": [TABLE]},
    )
    assert everything_but.decide("dynamodb:GetItem", TABLE, {}) == "allow"
    assert everything_but.decide("dynamodb:DeleteTable", TABLE, {}) == "implicit-deny"
    assert everything_but.decide("dynamodb:GetItem", TABLE + "2", {}) == "explicit-deny"


def test_a_single_statement_object_and_string_documents() -> None:
    document = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}}'
    assert Policy.parse([document]).decide("sns:Publish", "arn:aws:sns:us-east-1:1:t", {}) == "allow"


def test_conditions_string_arn_bool_numeric_null_and_if_exists() -> None:
    context = {
        "aws:PrincipalArn": "arn:aws:iam::123456789012:role/app-dev-FnRole",
        "aws:SecureTransport": False,
    }
    cases = [
        ({"StringEquals": {"aws:PrincipalArn": context["aws:PrincipalArn"]}}, "allow"),
        ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}}, "allow"),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/other*"}}, "implicit-deny"),
        ({"StringNotEquals": {"aws:RequestTag/x": "y"}}, "allow"),  # absent key: negated operators hold
        ({"StringEquals": {"aws:RequestTag/x": "y"}}, "implicit-deny"),
        ({"StringEqualsIfExists": {"aws:RequestTag/x": "y"}}, "allow"),
        ({"Bool": {"aws:SecureTransport": "false"}}, "allow"),
        ({"Null": {"aws:RequestTag/x": "true"}}, "allow"),
        ({"NumericLessThan": {"dynamodb:Limit": "10"}}, "implicit-deny"),
    ]
    for condition, decision in cases:
        granted = policy(allow("dynamodb:GetItem", TABLE, Condition=condition))
        assert granted.decide("dynamodb:GetItem", TABLE, context) == decision, condition


def test_an_unknown_condition_operator_never_grants_and_always_restricts() -> None:
    unknown = {"StringSoundsLike": {"aws:PrincipalArn": "anything"}}
    assert policy(allow("dynamodb:GetItem", TABLE, Condition=unknown)).decide(
        "dynamodb:GetItem", TABLE, {}
    ) == ("implicit-deny")
    denied = policy(
        allow("dynamodb:*", "*"),
        {"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": "*", "Condition": unknown},
    )
    assert denied.decide("dynamodb:GetItem", TABLE, {}) == "explicit-deny"


def test_policy_variables_in_resources() -> None:
    granted = policy(allow("s3:GetObject", "arn:aws:s3:::home/${aws:userid}/*"))
    assert granted.decide("s3:GetObject", "arn:aws:s3:::home/fn/a", {"aws:userid": "fn"}) == "allow"
    assert (
        granted.decide("s3:GetObject", "arn:aws:s3:::home/other/a", {"aws:userid": "fn"}) == "implicit-deny"
    )
    assert granted.decide("s3:GetObject", "arn:aws:s3:::home/fn/a", {}) == "implicit-deny"
