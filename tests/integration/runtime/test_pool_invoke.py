"""FunctionPool with real worker processes: results, errors, logs, context and environment."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from squall.runtime import Credentials, FunctionPool, InvocationResult

ECHO = """
    import os

    print("module imported")

    def handler(event, context):
        print("got", event["n"])
        return {"n": event["n"], "pid": os.getpid()}
"""

MakePool = Callable[..., FunctionPool]


def test_result_is_the_handlers_return_value(make_pool: MakePool) -> None:
    pool = make_pool({"functions/app.py": ECHO})
    result = pool.invoke({"n": 7}, request_id="req-1")
    assert result.request_id == "req-1"
    assert result.error_type is None
    assert isinstance(result.payload, dict)
    assert result.payload["n"] == 7


@pytest.mark.parametrize("handler", ["functions/app.handler", "functions.app.handler"])
def test_handler_string_accepts_slashes_and_dots(make_pool: MakePool, handler: str) -> None:
    pool = make_pool({"functions/app.py": ECHO}, handler=handler)
    assert pool.invoke({"n": 1}).error_type is None


def test_warm_invocations_reuse_the_same_worker(make_pool: MakePool) -> None:
    pool = make_pool({"functions/app.py": ECHO})
    first = pool.invoke({"n": 1})
    second = pool.invoke({"n": 2})
    assert isinstance(first.payload, dict) and isinstance(second.payload, dict)
    assert first.payload["pid"] == second.payload["pid"]
    assert (first.cold, second.cold) == (True, False)
    assert first.init_duration_ms is not None and second.init_duration_ms is None


REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>\S+)\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: 256 MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d\d ms\t)?$",
    re.MULTILINE,
)


def test_logs_frame_each_invocation_as_lambda_does(make_pool: MakePool) -> None:
    pool = make_pool({"functions/app.py": ECHO}, memory_size=256)
    cold = pool.invoke({"n": 1}, request_id="a1")
    warm = pool.invoke({"n": 2}, request_id="a2")
    assert cold.logs.splitlines()[:3] == ["module imported", "START RequestId: a1 Version: $LATEST", "got 1"]
    assert warm.logs.splitlines()[:3] == [
        "START RequestId: a2 Version: $LATEST",
        "got 2",
        "END RequestId: a2",
    ]
    for result in (cold, warm):
        match = REPORT.search(result.logs)
        assert match is not None, result.logs
        assert match["id"] == result.request_id
        assert f"END RequestId: {result.request_id}\n" in result.logs
    assert "Init Duration" in cold.logs and "Init Duration" not in warm.logs


def test_logging_module_output_is_captured_in_lambda_format(make_pool: MakePool) -> None:
    pool = make_pool(
        {
            "functions/app.py": """
                import logging, sys
                logger = logging.getLogger()
                logger.setLevel(logging.INFO)

                def handler(event, context):
                    logger.info("info line")
                    sys.stderr.write("to stderr\\n")
                    return None
            """
        }
    )
    result = pool.invoke({}, request_id="log-1")
    assert re.search(
        r"^\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tlog-1\tinfo line$", result.logs, re.M
    )
    assert "to stderr\n" in result.logs
    assert result.payload is None


def test_live_log_callback_and_event_callback(make_pool: MakePool) -> None:
    seen: list[tuple[str, str]] = []
    events: list[InvocationResult] = []
    pool = make_pool(
        {"functions/app.py": ECHO}, on_log=lambda rid, text: seen.append((rid, text)), on_event=events.append
    )
    result = pool.invoke({"n": 3}, request_id="live")
    streamed = "".join(text for rid, text in seen if rid == "live")
    assert "got 3\n" in streamed and "REPORT RequestId: live" in streamed
    assert events == [result]


def test_context_has_lambda_fields(make_pool: MakePool) -> None:
    pool = make_pool(
        {
            "functions/app.py": """
                def handler(event, context):
                    return {
                        "aws_request_id": context.aws_request_id,
                        "function_name": context.function_name,
                        "function_version": context.function_version,
                        "invoked_function_arn": context.invoked_function_arn,
                        "memory_limit_in_mb": context.memory_limit_in_mb,
                        "log_group_name": context.log_group_name,
                        "log_stream_name": context.log_stream_name,
                        "remaining": context.get_remaining_time_in_millis(),
                        "identity": context.identity,
                        "client_context": context.client_context,
                    }
            """
        },
        name="shop-dev-Checkout",
        timeout=5.0,
        memory_size=512,
        arn="arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-Checkout",
    )
    result = pool.invoke({}, request_id="ctx-1")
    payload = result.payload
    assert isinstance(payload, dict)
    remaining = payload.pop("remaining")
    assert 0 < remaining <= 5000
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", payload.pop("log_stream_name"))
    assert payload == {
        "aws_request_id": "ctx-1",
        "function_name": "shop-dev-Checkout",
        "function_version": "$LATEST",
        "invoked_function_arn": "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-Checkout",
        "memory_limit_in_mb": "512",
        "log_group_name": "/aws/lambda/shop-dev-Checkout",
        "identity": None,
        "client_context": None,
    }


def test_environment_has_function_and_lambda_variables(make_pool: MakePool, tmp_path: Path) -> None:
    names = [
        "TABLE",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "_HANDLER",
        "AWS_EXECUTION_ENV",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ]
    pool = make_pool(
        {
            "functions/app.py": f"""
                import os

                def handler(event, context):
                    return {{"env": {{k: os.environ.get(k) for k in {names!r}}}, "root": os.environ["LAMBDA_TASK_ROOT"], "cwd": os.getcwd()}}
            """
        },
        name="fn",
        region="eu-west-1",
        memory_size=1024,
        environment={"TABLE": "urls", "AWS_REGION": "overridden-by-lambda"},
        endpoint_url="http://127.0.0.1:4599",
        credentials=Credentials("AKIDLOCAL", "secret"),
    )
    payload = pool.invoke({}).payload
    assert isinstance(payload, dict)
    assert payload["env"] == {
        "TABLE": "urls",
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
        "_HANDLER": "functions/app.handler",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4599",
        "AWS_ACCESS_KEY_ID": "AKIDLOCAL",
        "AWS_SECRET_ACCESS_KEY": "secret",
    }
    assert payload["root"] == payload["cwd"] == str(pool.spec.code_dir)


def test_handler_exception_is_reported_as_lambda_does(make_pool: MakePool) -> None:
    pool = make_pool(
        {
            "functions/app.py": """
                def handler(event, context):
                    print("before")
                    raise KeyError("missing")
            """
        }
    )
    result = pool.invoke({}, request_id="err-1")
    assert result.error_type == "Unhandled"
    assert isinstance(result.payload, dict)
    assert result.payload["errorType"] == "KeyError"
    assert result.payload["errorMessage"] == "'missing'"
    trace = result.payload["stackTrace"]
    assert isinstance(trace, list) and all(isinstance(line, str) for line in trace)
    assert 'app.py", line 4, in handler' in trace[-1]
    assert "before\n[ERROR] KeyError: 'missing'\rTraceback (most recent call last):\r" in result.logs
    assert "worker.py" not in "".join(trace)


def test_unserialisable_result_is_a_marshal_error(make_pool: MakePool) -> None:
    pool = make_pool({"functions/app.py": "def handler(event, context):\n    return {1, 2}\n"})
    result = pool.invoke({})
    assert isinstance(result.payload, dict)
    assert result.payload["errorType"] == "Runtime.MarshalError"
    assert (
        result.payload["errorMessage"]
        == "Unable to marshal response: Object of type set is not JSON serializable"
    )


def test_decimal_results_are_numbers(make_pool: MakePool) -> None:
    pool = make_pool(
        {
            "functions/app.py": "from decimal import Decimal\ndef handler(e, c):\n    return [Decimal('3'), Decimal('1.5')]\n"
        }
    )
    assert pool.invoke({}).payload == [3, 1.5]


def test_import_error_is_answered_per_invocation_and_the_worker_stays(make_pool: MakePool) -> None:
    pool = make_pool(
        {"functions/app.py": "import not_a_module_anywhere\n\ndef handler(e, c):\n    return 1\n"}
    )
    first = pool.invoke({})
    pids = pool.worker_pids
    second = pool.invoke({})
    for result in (first, second):
        assert result.error_type == "Unhandled"
        assert isinstance(result.payload, dict)
        assert result.payload["errorType"] == "Runtime.ImportModuleError"
        assert result.payload["errorMessage"] == (
            "Unable to import module 'functions/app': No module named 'not_a_module_anywhere'"
        )
    assert pool.worker_pids == pids and len(pids) == 1
    assert "[ERROR] Runtime.ImportModuleError: Unable to import module" in second.logs
    assert "Error Type: Runtime.ImportModuleError" in second.logs


def test_syntax_error_names_file_and_line(make_pool: MakePool) -> None:
    pool = make_pool({"functions/app.py": "def handler(e, c):\n    return (1 +\n\nx = 1 2\n"})
    result = pool.invoke({})
    assert isinstance(result.payload, dict)
    assert result.payload["errorType"] == "Runtime.UserCodeSyntaxError"
    message = result.payload["errorMessage"]
    assert isinstance(message, str)
    assert message.startswith("Syntax error in module 'functions/app': ")
    assert "app.py, line " in message


def test_missing_handler_attribute(make_pool: MakePool) -> None:
    pool = make_pool({"functions/app.py": ECHO}, handler="functions/app.nothere")
    result = pool.invoke({})
    assert isinstance(result.payload, dict)
    assert result.payload["errorType"] == "Runtime.HandlerNotFound"
    assert result.payload["errorMessage"] == "Handler 'nothere' missing on module 'functions/app'"


def test_exception_at_import_time_keeps_its_type(make_pool: MakePool) -> None:
    pool = make_pool({"functions/app.py": "raise RuntimeError('no config')\n"})
    result = pool.invoke({})
    assert isinstance(result.payload, dict)
    assert (result.payload["errorType"], result.payload["errorMessage"]) == ("RuntimeError", "no config")
