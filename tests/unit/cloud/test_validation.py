"""Request validation without a server: botocore's models, AWS's wording, each protocol's error format."""

from __future__ import annotations

import json
from typing import Any

from squall.cloud.plugins import CloudRequest, CloudResponse
from squall.cloud.validation import check, refuse_input
from squall.cloud.validation import dynamodb as limits


def _json(service: str, target: str, body: Any) -> CloudRequest:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    operation = target.rpartition(".")[2]
    return CloudRequest(service, operation, "POST", "/", "", {"x-amz-target": target}, data)


def _query(service: str, operation: str, body: str) -> CloudRequest:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return CloudRequest(service, operation, "POST", "/", "", headers, body.encode())


def _refused(response: CloudResponse | None) -> dict[str, Any]:
    assert response is not None
    return {"status": response.status, **json.loads(response.body)}


def test_a_valid_put_item_passes() -> None:
    item = {
        "pk": {"S": "a"},
        "n": {"N": "-1.5e3"},
        "m": {"M": {"l": {"L": [{"BOOL": True}, {"NULL": True}]}}},
    }
    assert check(_json("dynamodb", "DynamoDB_20120810.PutItem", {"TableName": "t", "Item": item})) is None


def test_json_errors_name_the_coral_shapes() -> None:
    refused = _refused(check(_json("dynamodb", "DynamoDB_20120810.PutItem", b"{")))
    assert refused["status"] == 400 and refused["__type"] == "com.amazon.coral.service#SerializationException"
    refused = _refused(check(_json("dynamodb", "DynamoDB_20120810.PutItem", {"Item": {}})))
    assert refused["__type"] == "com.amazon.coral.validate#ValidationException"
    refused = _refused(check(_json("logs", "Logs_20140328.DescribeLogGroups", {"limit": 0})))
    assert refused["__type"] == "com.amazonaws.logs#InvalidParameterException"


def test_sqs_json_errors_carry_the_query_compatible_code() -> None:
    response = check(
        _json("sqs", "AmazonSQS.SendMessage", {"QueueUrl": "q", "MessageBody": "x" * (1024 * 1024 + 1)})
    )
    assert response is not None
    assert response.headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    assert json.loads(response.body)["__type"] == "com.amazonaws.sqs#InvalidParameterValueException"


def test_query_errors_are_error_responses() -> None:
    response = check(_query("iam", "CreateRole", "Action=CreateRole&Version=2010-05-08&RoleName=r"))
    assert response is not None and response.status == 400
    body = response.body.decode()
    assert body.startswith('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">')
    assert "<Code>ValidationError</Code>" in body
    assert (
        "Value null at &apos;assumeRolePolicyDocument&apos;" in body
        or "Value null at 'assumeRolePolicyDocument'" in body
    )


def test_every_violation_is_reported_at_once() -> None:
    body = {"Name": "has spaces", "EventPattern": "{}", "State": "MAYBE"}
    message = _refused(check(_json("events", "AWSEvents.PutRule", body)))["message"]
    assert message.startswith("2 validation errors detected: ")
    assert (
        "Value 'has spaces' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern:"
        in message
    )
    assert (
        "Value 'MAYBE' at 'state' failed to satisfy constraint: Member must satisfy enum value set: ["
        in message
    )


def test_sensitive_values_are_not_repeated() -> None:
    request = _query(
        "iam", "CreateLoginProfile", "Action=CreateLoginProfile&Version=2010-05-08&UserName=u&Password="
    )
    response = check(request)
    assert response is not None
    body = response.body.decode()
    assert (
        "Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1"
        in body
    )
    assert "Value ''" not in body


def test_batch_write_item_over_16_mb_is_refused() -> None:
    # 25 items under 400 KB each can still make a request over 16 MB once escaped as JSON
    item = {"pk": {"S": "k"}, "v": {"S": "\x01" * 130_000}}
    body = {"RequestItems": {"t": [{"PutRequest": {"Item": item}} for _ in range(25)]}}
    request = _json("dynamodb", "DynamoDB_20120810.BatchWriteItem", body)
    assert len(request.body) > limits.DYNAMODB_BATCH_WRITE_BYTES
    refused = _refused(check(request))
    assert refused["__type"] == "com.amazon.coral.validate#ValidationException"
    assert "16 MB" in refused["message"]


def test_item_size_follows_dynamodb_rules() -> None:
    assert limits.item_size({"a": {"S": "héllo"}}) == 1 + 6
    assert limits.item_size({"n": {"N": "12345"}}) == 1 + 4  # 5 significant digits: 3 bytes, plus 1
    assert limits.item_size({"n": {"N": "-0.00100"}}) == 1 + 2
    assert limits.item_size({"b": {"B": "AAAA"}}) == 1 + 3  # base64 of 3 bytes
    assert limits.item_size({"m": {"M": {"x": {"BOOL": True}}}}) == 1 + 3 + (1 + 1) + 1
    assert limits.item_size({"l": {"L": [{"NULL": True}, {"S": "ab"}]}}) == 1 + 3 + 2 + 1 + 2


def test_numbers_are_checked_exactly() -> None:
    assert limits.attribute_values_problem({"n": {"N": "1" * 38}}) is None
    assert limits.attribute_values_problem({"n": {"N": "1" * 38 + "000"}}) is None
    assert limits.attribute_values_problem({"n": {"N": "1" * 39}}) is not None
    assert limits.attribute_values_problem({"n": {"N": "1E+126"}}) is not None
    assert limits.attribute_values_problem({"n": {"N": "1E-131"}}) is not None
    assert limits.attribute_values_problem({"n": {"NS": ["1", "1.0"]}}) is not None  # equal numbers


def test_lambda_rest_members_and_payload_limits() -> None:
    path = "/2015-03-31/functions/f/invocations"
    small = CloudRequest("awslambda", "Invoke", "POST", path, "", {}, b"{}")
    assert check(small) is None
    event = CloudRequest(
        "awslambda", "Invoke", "POST", path, "", {"x-amz-invocation-type": "Event"}, b"1" * (1024 * 1024 + 1)
    )
    response = check(event)
    assert response is not None and response.status == 413
    assert response.headers["x-amzn-errortype"] == "RequestEntityTooLargeException"
    wrong = CloudRequest("awslambda", "Invoke", "POST", path, "", {"x-amz-invocation-type": "Later"}, b"{}")
    response = check(wrong)
    assert response is not None and response.status == 400
    assert (
        "Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
        in json.loads(response.body)["message"]
    )


def test_unknown_rest_routes_are_left_to_moto() -> None:
    assert check(CloudRequest("awslambda", None, "GET", "/2015-03-31/nowhere", "", {}, b"")) is None
    assert check(CloudRequest("s3", None, "POST", "/bucket", "", {}, b"<not xml")) is None


def test_input_moto_cannot_read_is_the_clients_fault_and_bugs_are_not() -> None:
    response = refuse_input("dynamodb", "", {}, ValueError("invalid literal"))
    assert response is not None and response.status == 400
    assert json.loads(response.body)["__type"] == "com.amazon.coral.validate#ValidationException"
    response = refuse_input("sns", "", {}, ValueError("invalid literal"))
    assert response is not None and b"<Code>InvalidParameter</Code>" in response.body
    assert refuse_input("dynamodb", "", {}, KeyError("TableName")) is None
    assert refuse_input("dynamodb", "", {}, TypeError("'<' not supported")) is None
