"""Lambda Invoke on the local cloud: payloads, errors, timeouts, crashes, concurrency, context, environment."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

from squall.cloud import CloudInfo
from tests.integration.conftest import ClientFactory
from tests.integration.host.conftest import Deploy
from tests.integration.host.support import zip_files
from tests.polling import poll

ECHO = """
def handler(event, context):
    return {"got": event}
"""


def invoke(lam: Any, name: str, payload: object = None, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    response = lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode(), **kwargs)
    return response, json.loads(response["Payload"].read())


def test_request_response_returns_the_handler_result(deploy: Deploy, aws_client: ClientFactory) -> None:
    name = deploy(ECHO)
    response, body = invoke(aws_client("lambda"), name, {"a": [1, "two"]})
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert body == {"got": {"a": [1, "two"]}}


def test_function_error_is_unhandled_with_message_type_and_trace(
    deploy: Deploy, aws_client: ClientFactory
) -> None:
    name = deploy(
        """
        def handler(event, context):
            raise ValueError("bad input: " + event["x"])
        """
    )
    response, body = invoke(aws_client("lambda"), name, {"x": "7"})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert body["errorMessage"] == "bad input: 7"
    assert body["errorType"] == "ValueError"
    assert isinstance(body["stackTrace"], list) and any("app.py" in line for line in body["stackTrace"])


def test_event_invocation_is_accepted_and_runs(
    deploy: Deploy, aws_client: ClientFactory, unique_name: Any
) -> None:
    table = unique_name("events")
    dynamodb = aws_client("dynamodb")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    name = deploy(
        """
        import os, boto3
        def handler(event, context):
            boto3.client("dynamodb").put_item(
                TableName=os.environ["TABLE"], Item={"id": {"S": event["id"]}})
        """,
        environment={"TABLE": table},
    )
    response = aws_client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"id": "async-1"}).encode()
    )
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    item = poll(
        lambda: dynamodb.get_item(TableName=table, Key={"id": {"S": "async-1"}}).get("Item"),
        lambda found: found is not None,
    )
    assert item == {"id": {"S": "async-1"}}


def test_failed_event_invocation_is_retried_twice(
    deploy: Deploy, aws_client: ClientFactory, unique_name: Any
) -> None:
    table = unique_name("attempts")
    dynamodb = aws_client("dynamodb")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    name = deploy(
        """
        import os, uuid, boto3
        def handler(event, context):
            attempt = context.aws_request_id + "/" + uuid.uuid4().hex
            boto3.client("dynamodb").put_item(TableName=os.environ["TABLE"], Item={"id": {"S": attempt}})
            raise RuntimeError("always fails")
        """,
        environment={"TABLE": table},
    )
    response = aws_client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    assert response["StatusCode"] == 202
    items = poll(lambda: dynamodb.scan(TableName=table)["Items"], lambda found: len(found) >= 3)
    request_ids = {item["id"]["S"].split("/")[0] for item in items}
    assert len(items) == 3
    assert request_ids == {response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]}


def test_dry_run_is_204_without_running(deploy: Deploy, aws_client: ClientFactory) -> None:
    name = deploy(ECHO)
    response = aws_client("lambda").invoke(FunctionName=name, InvocationType="DryRun", Payload=b"{}")
    assert response["StatusCode"] == 204


def test_unknown_function_is_resource_not_found(aws_client: ClientFactory, unique_name: Any) -> None:
    with pytest.raises(ClientError) as caught:
        aws_client("lambda").invoke(FunctionName=unique_name("missing"), Payload=b"{}")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_malformed_payload_is_invalid_request_content(deploy: Deploy, aws_client: ClientFactory) -> None:
    name = deploy(ECHO)
    with pytest.raises(ClientError) as caught:
        aws_client("lambda").invoke(FunctionName=name, Payload=b"{not json")
    assert caught.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_payload_over_the_limit_is_request_entity_too_large(
    deploy: Deploy, aws_client: ClientFactory
) -> None:
    name = deploy(ECHO)
    lam = aws_client("lambda")
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName=name, Payload=json.dumps("x" * (6 * 1024 * 1024)).encode())
    error = caught.value.response
    assert error["Error"]["Code"] == "RequestEntityTooLargeException"
    assert (
        error["Error"]["Message"]
        == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error["ResponseMetadata"]["RetryAttempts"] == 0
    event = json.dumps("x" * (1024 * 1024)).encode()
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=event)
    assert caught.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert caught.value.response["Error"]["Message"] == (
        f"{len(event)} byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    )
    small_enough = json.dumps("x" * (1024 * 1024 - 2)).encode()
    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=small_enough)["StatusCode"] == 202


def test_timeout_reports_task_timed_out_and_the_next_call_works(
    deploy: Deploy, aws_client: ClientFactory
) -> None:
    name = deploy(
        """
        import time
        def handler(event, context):
            if event.get("sleep"):
                time.sleep(30)
            return "awake"
        """,
        timeout=1,
    )
    lam = aws_client("lambda")
    response, body = invoke(lam, name, {"sleep": True})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in body["errorMessage"]
    response, body = invoke(lam, name, {})
    assert "FunctionError" not in response
    assert body == "awake"


def test_crash_is_runtime_exit_error_and_the_next_call_works(
    deploy: Deploy, aws_client: ClientFactory
) -> None:
    name = deploy(
        """
        import os
        def handler(event, context):
            if event.get("crash"):
                os._exit(3)
            return "alive"
        """
    )
    lam = aws_client("lambda")
    response, body = invoke(lam, name, {"crash": True})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in body["errorMessage"]
    response, body = invoke(lam, name, {})
    assert "FunctionError" not in response
    assert body == "alive"


def test_import_error_is_runtime_import_module_error(deploy: Deploy, aws_client: ClientFactory) -> None:
    name = deploy("import no_such_module_anywhere\ndef handler(event, context):\n    return 1\n")
    response, body = invoke(aws_client("lambda"), name, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert "no_such_module_anywhere" in body["errorMessage"]


def test_missing_handler_module_is_runtime_import_module_error(
    deploy: Deploy, aws_client: ClientFactory
) -> None:
    name = deploy(ECHO, handler="nowhere.handler")
    _, body = invoke(aws_client("lambda"), name, {})
    assert body["errorType"] == "Runtime.ImportModuleError"


def test_syntax_error_is_runtime_user_code_syntax_error(deploy: Deploy, aws_client: ClientFactory) -> None:
    name = deploy("def handler(event, context)\n    return 1\n")
    response, body = invoke(aws_client("lambda"), name, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.UserCodeSyntaxError"


def test_reserved_concurrency_throttles_the_second_parallel_call(
    deploy: Deploy, aws_client: ClientFactory, tmp_path: Any
) -> None:
    started = tmp_path / "started"
    release = tmp_path / "release"
    name = deploy(
        f"""
        import pathlib, time
        def handler(event, context):
            pathlib.Path({str(started)!r}).touch()
            deadline = time.monotonic() + 20
            while not pathlib.Path({str(release)!r}).exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            return "done"
        """,
        timeout=30,
        concurrency=1,
    )
    lam = aws_client("lambda")
    outcome: dict[str, Any] = {}

    def slow() -> None:
        outcome["first"] = invoke(lam, name, {})[1]

    first = threading.Thread(target=slow)
    first.start()
    try:
        poll(started.exists, bool)
        with pytest.raises(ClientError) as caught:
            invoke(lam, name, {})
        assert caught.value.response["Error"]["Code"] == "TooManyRequestsException"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    finally:
        release.touch()
        first.join(timeout=30)
    assert outcome["first"] == "done"


def test_context_fields(deploy: Deploy, aws_client: ClientFactory) -> None:
    name = deploy(
        """
        def handler(event, context):
            return {
                "function_name": context.function_name,
                "function_version": context.function_version,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "invoked_function_arn": context.invoked_function_arn,
                "aws_request_id": context.aws_request_id,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
            }
        """,
        timeout=7,
        memory=256,
    )
    lam = aws_client("lambda")
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    response, body = invoke(lam, name, {})
    assert body["function_name"] == name
    assert body["function_version"] == "$LATEST"
    assert int(body["memory_limit_in_mb"]) == 256
    assert body["invoked_function_arn"] == arn
    assert body["aws_request_id"] == response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert body["log_group_name"] == f"/aws/lambda/{name}"
    assert "[$LATEST]" in body["log_stream_name"]
    assert 0 < body["remaining"] <= 7000


def test_environment(deploy: Deploy, aws_client: ClientFactory, local_cloud: CloudInfo) -> None:
    name = deploy(
        """
        import os
        def handler(event, context):
            keys = ["GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_ENDPOINT_URL",
                    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
            return {k: os.environ.get(k) for k in keys}
        """,
        environment={"GREETING": "hello"},
    )
    _, body = invoke(aws_client("lambda"), name, {})
    assert body["GREETING"] == "hello"
    assert body["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert body["AWS_REGION"] == "us-east-1"
    assert body["AWS_ENDPOINT_URL"] == local_cloud.endpoint
    assert body["AWS_ACCESS_KEY_ID"] and body["AWS_SECRET_ACCESS_KEY"]


def test_handler_uses_dynamodb_through_the_endpoint(
    deploy: Deploy, aws_client: ClientFactory, unique_name: Any
) -> None:
    table = unique_name("items")
    dynamodb = aws_client("dynamodb")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName=table, Item={"id": {"S": "seed"}, "n": {"N": "1"}})
    name = deploy(
        """
        import os, boto3
        table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
        def handler(event, context):
            table.put_item(Item={"id": event["id"], "n": 2})
            return int(table.get_item(Key={"id": "seed"})["Item"]["n"])
        """,
        environment={"TABLE": table},
    )
    _, body = invoke(aws_client("lambda"), name, {"id": "from-lambda"})
    assert body == 1
    item = dynamodb.get_item(TableName=table, Key={"id": {"S": "from-lambda"}})["Item"]
    assert item["n"] == {"N": "2"}


def test_update_function_code_runs_the_new_code(deploy: Deploy, aws_client: ClientFactory) -> None:
    name = deploy("def handler(event, context):\n    return 'v1'\n")
    lam = aws_client("lambda")
    assert invoke(lam, name, {})[1] == "v1"
    lam.update_function_code(
        FunctionName=name, ZipFile=zip_files({"app.py": "def handler(event, context):\n    return 'v2'\n"})
    )
    assert invoke(lam, name, {})[1] == "v2"


def test_update_function_configuration_environment_is_seen(deploy: Deploy, aws_client: ClientFactory) -> None:
    name = deploy(
        "import os\ndef handler(event, context):\n    return os.environ.get('MODE')\n",
        environment={"MODE": "one"},
    )
    lam = aws_client("lambda")
    assert invoke(lam, name, {})[1] == "one"
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"MODE": "two"}})
    assert invoke(lam, name, {})[1] == "two"


def test_log_type_tail_returns_the_log_tail(deploy: Deploy, aws_client: ClientFactory) -> None:
    name = deploy(
        """
        def handler(event, context):
            print("printed by the handler")
            return 1
        """
    )
    response, _ = invoke(aws_client("lambda"), name, {}, LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert "printed by the handler" in tail
    assert f"END RequestId: {request_id}" in tail
    assert f"REPORT RequestId: {request_id}" in tail


def test_logs_have_start_end_report_for_every_invocation(deploy: Deploy, aws_client: ClientFactory) -> None:
    name = deploy(
        """
        def handler(event, context):
            print("line", event["n"])
            if event["n"] == 2:
                raise RuntimeError("boom")
            return event["n"]
        """
    )
    lam = aws_client("lambda")
    request_ids = []
    for n in range(4):
        response, _ = invoke(lam, name, {"n": n})
        request_ids.append(response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"])
    logs = aws_client("logs")

    def messages() -> list[str]:
        try:
            found = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")
        except logs.exceptions.ResourceNotFoundException:
            return []
        return [event["message"] for event in found["events"]]

    def complete(lines: list[str]) -> bool:
        return all(
            any(line.startswith(f"{kind} RequestId: {rid}") for line in lines)
            for rid in request_ids
            for kind in ("START", "END", "REPORT")
        )

    lines = poll(messages, complete)
    assert any("line 3" in line for line in lines)
    assert any("boom" in line for line in lines)
