"""IAM in the local cloud denies what AWS denies: a function may do only what its bindings allow.

Each test deploys a small app with squall's deploy, invokes its functions (real workers, with their
role's credentials) and asserts on the error AWS gives: the code, status and message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from squall.cloud import CloudInfo
from tests.parity.iam.conftest import Deploy, Invoke

ACCOUNT = "123456789012"

APP = """
from squall.constructs import Function, Queue, Table


def config(input):
    return {{"name": "parity"{mode}}}


def stacks(app):
    app.stack(main)


def main(stack):
    notes = Table(stack, "Notes", fields={{"id": "string"}}, primary_index={{"partition_key": "id"}})
    Function(stack, "Writer", handler="functions/probe.handler"{writer_bind})
    reader = Function(stack, "Reader", handler="functions/probe.handler")
    reader.bind([notes], access="read")
    Queue(stack, "Jobs", consumer="functions/probe.handler")
"""


def app(*, bound: bool = True, mode: str = "") -> str:
    return APP.format(
        writer_bind=", bind=[notes]" if bound else "", mode=f', "iam": "{mode}"' if mode else ""
    )


def stage() -> str:
    return f"p{uuid.uuid4().hex[:8]}"


def put(table: str) -> dict[str, Any]:
    return {
        "service": "dynamodb",
        "operation": "put_item",
        "params": {"TableName": table, "Item": {"id": {"S": "1"}}},
    }


def denied_message(role: str, session: str, action: str, resource: str) -> str:
    return (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session} is not authorized to perform: {action} "
        f"on resource: {resource} because no identity-based policy allows the {action} action"
    )


def test_removing_a_bind_makes_the_same_request_fail_with_access_denied(
    deploy_app: Deploy, invoke: Invoke
) -> None:
    name = stage()
    deploy_app(app(bound=True), name)
    table = f"parity-{name}-Notes"
    assert invoke(f"parity-{name}-Writer", put(table)) == {"ok": True, "answer": {}}
    deploy_app(app(bound=False), name)
    result = invoke(f"parity-{name}-Writer", put(table))
    assert result == {
        "ok": False,
        "code": "AccessDeniedException",
        "status": 400,
        "message": denied_message(
            f"parity-{name}-Writer",
            f"parity-{name}-Writer",
            "dynamodb:PutItem",
            f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}",
        ),
    }


def test_a_read_only_binding_reads_but_denies_put_item(deploy_app: Deploy, invoke: Invoke) -> None:
    name = stage()
    deploy_app(app(), name)
    table = f"parity-{name}-Notes"
    reader = f"parity-{name}-Reader"
    read = {
        "service": "dynamodb",
        "operation": "get_item",
        "params": {"TableName": table, "Key": {"id": {"S": "1"}}},
    }
    assert invoke(reader, read)["ok"] is True
    result = invoke(reader, put(table))
    assert (result["ok"], result["code"], result["status"]) == (False, "AccessDeniedException", 400)
    assert "dynamodb:PutItem" in result["message"]


def test_a_queue_consumer_receives_and_deletes_but_cannot_send(
    deploy_app: Deploy, invoke: Invoke, root_client: Callable[[str], Any]
) -> None:
    name = stage()
    deploy_app(app(), name)
    sqs = root_client("sqs")
    url = sqs.get_queue_url(QueueName=f"parity-{name}-Jobs")["QueueUrl"]
    consumer = f"parity-{name}-JobsConsumer"
    received = invoke(
        consumer, {"service": "sqs", "operation": "receive_message", "params": {"QueueUrl": url}}
    )
    assert received["ok"] is True
    delete = {"QueueUrl": url, "ReceiptHandle": "not-a-real-handle"}
    deleted = invoke(consumer, {"service": "sqs", "operation": "delete_message", "params": delete})
    assert deleted.get("code") != "AccessDenied"  # authorised; the queue itself judges the handle
    sent = invoke(
        consumer,
        {"service": "sqs", "operation": "send_message", "params": {"QueueUrl": url, "MessageBody": "x"}},
    )
    assert (sent["ok"], sent["code"], sent["status"]) == (False, "AccessDenied", 403)
    assert sent["message"] == denied_message(
        f"parity-{name}-JobsConsumer",
        consumer,
        "sqs:sendmessage",  # SQS words the action in lowercase
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:parity-{name}-Jobs",
    )


def test_the_developers_own_credentials_stay_allowed(
    deploy_app: Deploy, root_client: Callable[[str], Any]
) -> None:
    name = stage()
    deploy_app(app(bound=False), name)
    table = f"parity-{name}-Notes"
    dynamodb = root_client("dynamodb")
    dynamodb.put_item(TableName=table, Item={"id": {"S": "root"}})
    assert dynamodb.get_item(TableName=table, Key={"id": {"S": "root"}})["Item"] == {"id": {"S": "root"}}


def test_a_denial_is_written_into_the_functions_log_stream_with_the_bind_that_grants_it(
    deploy_app: Deploy, invoke: Invoke, root_client: Callable[[str], Any], iam_cloud: CloudInfo
) -> None:
    name = stage()
    deploy_app(app(bound=False), name)
    assert invoke(f"parity-{name}-Writer", put(f"parity-{name}-Notes"))["ok"] is False
    line = wait_for_log(root_client, f"parity-{name}-Writer", "IAM denied")
    assert "dynamodb:PutItem" in line
    assert "add bind=[Notes] to function Writer" in line


def test_warn_mode_allows_the_request_and_logs_the_denial(
    deploy_app: Deploy, invoke: Invoke, root_client: Callable[[str], Any]
) -> None:
    name = stage()
    deploy_app(app(bound=False, mode="warn"), name)
    assert invoke(f"parity-{name}-Writer", put(f"parity-{name}-Notes")) == {"ok": True, "answer": {}}
    line = wait_for_log(root_client, f"parity-{name}-Writer", "IAM would deny")
    assert "dynamodb:PutItem" in line and "add bind=[Notes] to function Writer" in line


def wait_for_log(root_client: Callable[[str], Any], function: str, text: str, timeout: float = 20.0) -> str:
    import time

    logs = root_client("logs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        found = [e["message"] for e in events if text in e["message"]]
        if found:
            return str(found[0])
        time.sleep(0.1)
    raise AssertionError(f"no log line with {text!r} in /aws/lambda/{function} within {timeout} s")


def test_switching_an_app_from_warn_to_enforce_applies_at_the_next_deploy(
    deploy_app: Deploy, invoke: Invoke
) -> None:
    name = stage()
    table = f"parity-{name}-Notes"
    deploy_app(app(bound=False, mode="warn"), name)
    assert invoke(f"parity-{name}-Writer", put(table))["ok"] is True
    deploy_app(app(bound=False), name)
    result = invoke(f"parity-{name}-Writer", put(table))
    assert (result["ok"], result["code"]) == (False, "AccessDeniedException")
    deploy_app(app(bound=False, mode="off"), name)
    assert invoke(f"parity-{name}-Writer", put(table))["ok"] is True


def test_attached_managed_policies_count_and_an_explicit_deny_wins(
    deploy_app: Deploy, invoke: Invoke, root_client: Callable[[str], Any]
) -> None:
    import json

    name = stage()
    deploy_app(app(bound=False), name)
    table = f"parity-{name}-Notes"
    writer, iam = f"parity-{name}-Writer", root_client("iam")
    grant = {"Effect": "Allow", "Action": "dynamodb:*Item", "Resource": f"arn:aws:dynamodb:*:*:table/{table}"}
    policy = iam.create_policy(
        PolicyName=f"{name}-items", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [grant]})
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=writer, PolicyArn=policy)
    assert invoke(writer, put(table))["ok"] is True
    deny = {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"}
    iam.put_role_policy(
        RoleName=writer,
        PolicyName="no-puts",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [deny]}),
    )
    result = invoke(writer, put(table))
    assert (result["ok"], result["code"]) == (False, "AccessDeniedException")
    assert result["message"].endswith("with an explicit deny in an identity-based policy")
