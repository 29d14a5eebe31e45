"""FilterLogEvents in the local cloud takes CloudWatch's filter-pattern syntax, not just plain terms."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import ClientFactory

MESSAGES = [
    "ERROR could not reach the database",
    "ERROR Exiting after a signal",
    "WARN slow query",
    json.dumps({"level": "ERROR", "n": 5}),
    json.dumps({"level": "INFO", "n": 2}),
]


def messages(logs: object, group: str, pattern: str) -> list[str]:
    found = logs.filter_log_events(logGroupName=group, filterPattern=pattern)  # type: ignore[attr-defined]
    return [e["message"] for e in found["events"]]


def test_exclusions_alternatives_and_json_patterns(
    aws_client: ClientFactory, unique_name: Callable[[str], str]
) -> None:
    logs = aws_client("logs")
    group = f"/test/{unique_name('filter')}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(MESSAGES)],
    )
    assert messages(logs, group, "ERROR -Exiting") == [MESSAGES[0], MESSAGES[3]]
    assert messages(logs, group, "?WARN ?Exiting") == [MESSAGES[1], MESSAGES[2]]
    assert messages(logs, group, '{ $.level = "ERROR" }') == [MESSAGES[3]]
    assert messages(logs, group, "{ $.n > 1 && $.n < 3 }") == [MESSAGES[4]]
    assert messages(logs, group, '"slow query"') == [MESSAGES[2]]
    assert len(messages(logs, group, "")) == len(MESSAGES)
    with pytest.raises(ClientError) as refused:
        messages(logs, group, '{ $.level = "ERROR" ')
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
