"""A function's invocation records (``/squall/invocations``, one stream per function) go when it does."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.conftest import ClientFactory
from tests.integration.host.conftest import unique
from tests.integration.host.support import zip_files
from tests.polling import poll

GROUP = "/squall/invocations"
ECHO = "def handler(event, context):\n    return event\n"


def _records(logs: Any, name: str) -> list[dict[str, Any]]:
    try:
        streams = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=name)["logStreams"]
    except logs.exceptions.ResourceNotFoundException:  # nothing was ever shipped to the group
        return []
    if not any(s["logStreamName"] == name for s in streams):
        return []
    events = logs.get_log_events(logGroupName=GROUP, logStreamName=name)["events"]
    return [json.loads(e["message"]) for e in events]


def test_deleting_a_function_deletes_its_records_and_a_new_one_of_that_name_starts_afresh(
    aws_client: ClientFactory, lambda_role: str
) -> None:
    lam, logs = aws_client("lambda"), aws_client("logs")
    name = unique("records")

    def create() -> None:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=lambda_role,
            Handler="app.handler",
            Code={"ZipFile": zip_files({"app.py": ECHO})},
        )

    create()
    lam.invoke(FunctionName=name, Payload=b'{"n": 1}')
    poll(lambda: _records(logs, name), lambda records: len(records) == 1)

    lam.delete_function(FunctionName=name)
    assert _records(logs, name) == []

    create()
    lam.invoke(FunctionName=name, Payload=b'{"n": 2}')
    records = poll(lambda: _records(logs, name), lambda records: len(records) == 1)
    assert records[0]["event"] == {"n": 2}
    lam.delete_function(FunctionName=lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"])
    assert _records(logs, name) == []


def test_deleting_one_version_keeps_the_functions_records(
    aws_client: ClientFactory, lambda_role: str
) -> None:
    lam, logs = aws_client("lambda"), aws_client("logs")
    name = unique("records")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": zip_files({"app.py": ECHO})},
        Publish=True,
    )
    lam.invoke(FunctionName=name, Payload=b"{}")
    poll(lambda: _records(logs, name), lambda records: len(records) == 1)
    lam.delete_function(FunctionName=name, Qualifier="1")
    assert len(_records(logs, name)) == 1
    lam.delete_function(FunctionName=name)
