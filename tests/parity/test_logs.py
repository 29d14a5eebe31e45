"""Logs as CloudWatch records them: one event per line or logging record, each with its own timestamp."""

from __future__ import annotations

import json

import pytest

from tests.parity.conftest import AppFactory

CHATTY = """
import logging
import sys
import time

logging.getLogger().setLevel(logging.INFO)


def handler(event, context):
    print("first")
    time.sleep(0.3)
    print("second")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.exception("it failed")
    logging.info("after")
    sys.stdout.write("no newline at the end")
    return "done"
"""


def test_each_line_and_record_is_one_event_with_its_own_timestamp(app: AppFactory) -> None:
    running = app('Function(stack, "Chatty", "functions/chatty.handler")', {"functions/chatty.py": CHATTY})
    answer = running.invoke("Chatty", {})
    request_id = answer["ResponseMetadata"]["RequestId"]
    events = running.events("Chatty", request_id)
    messages = [str(e["message"]).rstrip("\n") for e in events]
    assert messages[0].startswith("START RequestId: ")
    assert messages[1:3] == ["first", "second"]
    record = messages[3]
    assert (
        record.startswith("[ERROR]\t")
        and f"\t{request_id}\tit failed\rTraceback (most recent call last):\r" in record
    )
    assert record.endswith("\rValueError: boom")
    assert messages[4].startswith("[INFO]\t") and messages[4].endswith(f"\t{request_id}\tafter")
    assert messages[5] == "no newline at the end"
    assert messages[6] == f"END RequestId: {request_id}"
    assert messages[7].startswith(f"REPORT RequestId: {request_id}\t")
    stamps = [int(e["timestamp"]) for e in events]
    assert stamps == sorted(stamps)
    assert stamps[2] - stamps[1] >= 250  # "second" was written 0.3 s after "first"
    assert stamps[0] < stamps[2] <= stamps[-1]


def test_squall_logs_prints_a_record_as_the_lines_it_holds(capsys: pytest.CaptureFixture[str]) -> None:
    from squall.cli.logs import show

    show({"timestamp": 0, "message": "[ERROR]\tT\tid\tit failed\rTraceback (most recent call last):\r  x\n"})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].endswith("it failed") and lines[1].strip() == "Traceback (most recent call last):"


def test_the_console_shows_a_record_as_the_lines_it_holds() -> None:
    from squall.runtime import InvocationResult
    from squall.runtime.records import InvocationRecord

    result = InvocationResult("id", None, None, "START\n[ERROR]\tx\rTraceback\r  frame\nEND\n", 1.0, False)
    assert InvocationRecord.of("fn", {}, result, 0).logs.splitlines() == [
        "START",
        "[ERROR]\tx",
        "Traceback",
        "  frame",
        "END",
    ]


JSONY = """
import logging

logger = logging.getLogger("orders")


def handler(event, context):
    print("plain print")
    logger.info("order %s placed", 7)
    logger.debug("not shown: JSON's default level is INFO")
    return "ok"
"""


def test_json_log_format_writes_aws_json_records(app: AppFactory) -> None:
    running = app(
        'Function(stack, "Jsony", "functions/jsony.handler", log_format="JSON")',
        {"functions/jsony.py": JSONY},
    )
    config = running.lambda_client().get_function_configuration(FunctionName=running.name("Jsony"))
    assert config["LoggingConfig"]["LogFormat"] == "JSON"
    answer = running.invoke("Jsony", {})
    request_id = answer["ResponseMetadata"]["RequestId"]
    messages = [str(e["message"]).rstrip("\n") for e in running.events("Jsony", request_id)]
    assert len(messages) == 4, messages
    start = json.loads(messages[0])
    assert start["type"] == "platform.start" and start["record"] == {
        "requestId": request_id,
        "version": "$LATEST",
    }
    assert messages[1] == "plain print"
    record = json.loads(messages[2])
    assert set(record) == {"timestamp", "level", "message", "logger", "requestId"}
    assert (record["level"], record["message"], record["logger"], record["requestId"]) == (
        "INFO",
        "order 7 placed",
        "orders",
        request_id,
    )
    assert record["timestamp"].endswith("Z")
    report = json.loads(messages[3])
    assert report["type"] == "platform.report" and report["record"]["requestId"] == request_id
    assert report["record"]["status"] == "success"
    assert set(report["record"]["metrics"]) >= {
        "durationMs",
        "billedDurationMs",
        "memorySizeMB",
        "maxMemoryUsedMB",
    }
