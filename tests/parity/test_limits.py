"""Lambda's and API Gateway's limits, with the answers AWS gives past them."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from tests.parity.conftest import AppFactory

BIG = """
def handler(event, context):
    return "x" * event["size"]
"""
ECHO = """
def handler(event, context):
    return {"statusCode": 200, "body": str(len(event.get("body") or ""))}
"""


def test_a_response_over_6_mb_is_function_response_size_too_large(app: AppFactory) -> None:
    running = app('Function(stack, "Big", "functions/big.handler")', {"functions/big.py": BIG})
    ok = running.invoke("Big", {"size": 6_291_556 - 2})  # the JSON string's quotes count
    assert "FunctionError" not in ok and len(ok["Payload"]) == 6_291_556 - 2
    answer = running.invoke("Big", {"size": 7 * 1024 * 1024})
    assert answer["StatusCode"] == 200
    assert answer["FunctionError"] == "Unhandled"
    assert answer["Payload"] == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


def _post(url: str, body: bytes) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        connection.request("POST", "/echo", body, {"content-type": "text/plain"})
        response = connection.getresponse()
        return response.status, response.read()
    except (BrokenPipeError, ConnectionResetError):
        # The server may answer and close before the client has sent everything; read what it said.
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_an_http_api_body_over_10_mb_gets_413(app: AppFactory) -> None:
    running = app(
        """
        api = Api(stack, "Api", routes={"POST /echo": "functions/echo.handler"})
        stack.add_outputs({"Url": api.url})
        """,
        {"functions/echo.py": ECHO},
    )
    url = running.outputs["Url"]
    assert _post(url, b"a" * 1024) == (200, b"1024")
    status, body = _post(url, b"a" * (10 * 1024 * 1024 + 1))
    assert status == 413
    assert body == b'{"message":"Request Entity Too Large"}'


def test_an_asynchronous_invoke_over_1_mb_is_request_entity_too_large(app: AppFactory) -> None:
    running = app('Function(stack, "Big", "functions/big.handler")', {"functions/big.py": BIG})
    client = running.lambda_client()
    payload = b'"' + b"x" * (1024 * 1024) + b'"'
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName=running.name("Big"), InvocationType="Event", Payload=payload)
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error["Error"]["Code"] == "RequestEntityTooLargeException"
    assert error["Error"]["Message"] == (
        f"{len(payload)} byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    )


SLOW = """
import time

def handler(event, context):
    time.sleep(31)
    return {"statusCode": 200, "body": "late"}
"""


def test_an_http_api_integration_over_30_s_gets_503(app: AppFactory) -> None:
    running = app(
        """
        api = Api(stack, "Api", routes={"POST /echo": Function(stack, "Slow", "functions/slow.handler", timeout=40)})
        stack.add_outputs({"Url": api.url})
        """,
        {"functions/slow.py": SLOW},
    )
    started = time.monotonic()
    status, body = _post(running.outputs["Url"], b"{}")
    assert (status, body) == (503, b'{"message":"Service Unavailable"}')
    assert 29.5 < time.monotonic() - started < 40  # the function itself would answer at 31 s, with a 200


def test_an_sqs_message_over_1_mib_is_refused(app: AppFactory, mode: str) -> None:
    if mode == "dev":
        pytest.skip("a queue is the same resource under dev: nothing runs differently")
    running = app('Queue(stack, "Jobs")', {})
    sqs = running.clients("sqs")
    url = sqs.get_queue_url(QueueName=f"parity-{running.project.graph.stage}-Jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x" * (1024 * 1024))
    with pytest.raises(ClientError) as raised:
        sqs.send_message(QueueUrl=url, MessageBody="x" * (1024 * 1024 + 1))
    assert raised.value.response["Error"]["Code"] in (
        "InvalidParameterValue",
        "AWS.SimpleQueueService.InvalidParameterValue",
    )
    assert raised.value.response["Error"]["Message"] == (
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes."
    )
