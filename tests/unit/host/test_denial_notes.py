"""The line a denial leaves in the function's logs names the missing action and the bind that grants it."""

from __future__ import annotations

from squall.cloud.iam.denials import Denial
from squall.host.denials import DenialNotes, note
from squall.runtime import InvocationResult

ENV = {"SQUALL_APP": "shop", "SQUALL_STAGE": "dev"}
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/shop-dev-Orders"


def denial(resource: str = TABLE, action: str = "dynamodb:PutItem", enforced: bool = True) -> Denial:
    principal = "arn:aws:sts::123456789012:assumed-role/shop-dev-Checkout/shop-dev-Checkout"
    return Denial(
        principal,
        "shop-dev-Checkout",
        "shop-dev-Checkout",
        action,
        resource,
        "implicit-deny",
        enforced,
        "dynamodb",
        "us-east-1",
    )


def test_an_unbound_resource_asks_for_the_bind() -> None:
    line = note(denial(), ENV)
    assert line.startswith(f"[squall] IAM denied dynamodb:PutItem on {TABLE}: ")
    assert "add bind=[Orders] to function Checkout" in line


def test_a_resource_bound_with_too_little_access_asks_for_more() -> None:
    line = note(denial(), {**ENV, "SQUALL_RESOURCE_Orders": "{}"})
    assert 'bound to Orders without this access: bind it with access="readwrite"' in line


def test_queues_secrets_and_warn_mode() -> None:
    queue = note(
        denial("arn:aws:sqs:us-east-1:123456789012:shop-dev-Jobs", "sqs:SendMessage", enforced=False), ENV
    )
    assert queue.startswith("[squall] IAM would deny (iam='warn') sqs:SendMessage") and "bind=[Jobs]" in queue
    secret = note(
        denial("arn:aws:ssm:us-east-1:123456789012:parameter/squall/shop/dev/ApiKey", "ssm:GetParameter"), ENV
    )
    assert "add bind=[ApiKey] to function Checkout" in secret
    other = note(
        denial("arn:aws:dynamodb:us-east-1:123456789012:table/someone-else", "dynamodb:GetItem"), ENV
    )
    assert "role does not allow it" in other


def test_notes_go_before_the_end_line_of_that_functions_invocation() -> None:
    notes = DenialNotes()
    notes.record(denial())
    logs = "START RequestId: r Version: $LATEST\nhello\nEND RequestId: r\nREPORT RequestId: r\n"
    result = InvocationResult("r", None, None, logs, 1.0, False)
    folded, lines = notes.fold_into("shop-dev-Checkout", ENV, result)
    assert lines and folded.logs.index(lines[0]) < folded.logs.index("END RequestId")
    assert notes.fold_into("shop-dev-Checkout", ENV, result) == (result, [])  # told once
