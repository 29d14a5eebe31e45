"""Reading invocation records and log lines from CloudWatch Logs, with an in-memory logs client."""

from __future__ import annotations

import json
from typing import Any

from squall.console.sources import InvocationSource, LogLine, LogTail, common_prefix, request_id_of
from squall.console.store import InvocationQuery, InvocationStore
from squall.console.triggers import FunctionInfo
from squall.runtime.records import INVOCATIONS_LOG_GROUP, InvocationRecord

FUNCTIONS = [
    FunctionInfo("A", "app-dev-A", "a.handler", "A", ()),
    FunctionInfo("B", "app-dev-B", "b.handler", "B", ()),
]


class FakeLogs:
    """``filter_log_events`` over in-memory groups, two events per page."""

    def __init__(self) -> None:
        self.groups: dict[str, list[dict[str, Any]]] = {}
        self.calls: list[dict[str, Any]] = []

    def put(self, group: str, stream: str, message: str, timestamp: int) -> None:
        events = self.groups.setdefault(group, [])
        events.append(
            {
                "logStreamName": stream,
                "message": message,
                "timestamp": timestamp,
                "eventId": f"{group}:{len(events)}",
            }
        )

    def filter_log_events(self, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        self.calls.append(params)
        if params["logGroupName"] not in self.groups:
            raise ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "no"}}, "FilterLogEvents"
            )
        prefix = params.get("logStreamNamePrefix", "")
        events = [
            e
            for e in self.groups[params["logGroupName"]]
            if e["timestamp"] >= params["startTime"] and e["logStreamName"].startswith(prefix)
        ]
        start = int(params.get("nextToken") or 0)
        page = events[start : start + 2]
        token = str(start + 2) if start + 2 < len(events) else None
        return {"events": page, **({"nextToken": token} if token else {})}


def invocation(request_id: str, function: str, at: int) -> str:
    return json.dumps(
        {
            "requestId": request_id,
            "function": function,
            "event": {},
            "response": None,
            "error": False,
            "errorType": None,
            "durationMs": 1.0,
            "cold": False,
            "logs": "",
            "at": at,
        }
    )


def test_common_prefix_compares_characters() -> None:
    assert common_prefix({"app-dev-A", "app-dev-B"}) == "app-dev-"
    assert common_prefix({"solo"}) == "solo"
    assert common_prefix(set()) == ""


def test_the_source_reads_every_page_once_and_only_the_stages_functions() -> None:
    logs = FakeLogs()
    for index in range(5):
        logs.put(
            INVOCATIONS_LOG_GROUP,
            "app-dev-A",
            invocation(f"r{index}", "app-dev-A", 1000 + index),
            1000 + index,
        )
    logs.put(INVOCATIONS_LOG_GROUP, "app-dev-Other", invocation("x", "app-dev-Other", 1100), 1100)
    store = InvocationStore()
    announced: list[list[InvocationRecord]] = []
    source = InvocationSource(logs, FUNCTIONS, store, announced.append)
    source.poll()
    source.poll()
    items, total = store.query(InvocationQuery())
    assert total == 5
    assert [r.requestId for r in items] == ["r4", "r3", "r2", "r1", "r0"]
    assert [len(batch) for batch in announced] == [5]
    assert logs.calls[0]["logStreamNamePrefix"] == "app-dev-"

    logs.put(INVOCATIONS_LOG_GROUP, "app-dev-B", invocation("late", "app-dev-B", 990), 990 + 9000)
    source.poll()
    assert store.get("late") is not None


def test_the_tail_follows_new_lines_and_tolerates_missing_groups() -> None:
    logs = FakeLogs()
    tail = LogTail(logs, FUNCTIONS)
    logs.put("/aws/lambda/app-dev-A", "s1", "START RequestId: r1 Version: $LATEST", 10**13)
    logs.put("/aws/lambda/app-dev-A", "s1", "hello from A", 10**13)
    tail.poll()
    tail.poll()
    lines = tail.backlog()
    assert [line.message for line in lines] == ["START RequestId: r1 Version: $LATEST", "hello from A"]
    assert lines[1] == LogLine(10**13, "app-dev-A", "hello from A", "r1")


def test_lines_of_invocations_the_live_feed_delivered_are_not_repeated() -> None:
    logs = FakeLogs()
    tail = LogTail(logs, FUNCTIONS)
    record = InvocationRecord.from_json(
        json.loads(invocation("fed", "app-dev-B", 10**13)) | {"logs": "printed\n"}
    )
    tail.from_feed(record)
    logs.put("/aws/lambda/app-dev-B", "s", "START RequestId: fed Version: $LATEST", 10**13)
    logs.put("/aws/lambda/app-dev-B", "s", "printed", 10**13)
    logs.put("/aws/lambda/app-dev-B", "s", "START RequestId: other Version: $LATEST", 10**13)
    logs.put("/aws/lambda/app-dev-B", "s", "not fed", 10**13)
    tail.poll()
    assert [line.message for line in tail.backlog()] == [
        "printed",
        "START RequestId: other Version: $LATEST",
        "not fed",
    ]


def test_runtime_lines_name_their_request() -> None:
    assert request_id_of("START RequestId: abc Version: $LATEST") == ("START", "abc")
    assert request_id_of("REPORT RequestId: abc\tDuration: 1 ms") == ("REPORT", "abc")
    assert request_id_of("hello") is None


def test_the_tail_of_all_functions_is_one_stream_in_time_order() -> None:
    logs = FakeLogs()
    start = 10**13
    for index in range(6):
        function = FUNCTIONS[index % 2]
        logs.put(function.log_group, "s", f"line {index}", start + index)
    tail = LogTail(logs, FUNCTIONS)
    tail._windows = {
        f.name: type(w)(start - 1) for f, w in zip(FUNCTIONS, tail._windows.values(), strict=True)
    }
    tail.poll()
    assert [line.message for line in tail.backlog()] == [f"line {index}" for index in range(6)]
    late = InvocationRecord("r", "app-dev-A", {}, None, False, None, 1.0, False, "early line\n", start + 2)
    tail.from_feed(late)
    assert [line.at for line in tail.backlog()] == sorted(line.at for line in tail.backlog())


def test_a_multi_line_record_from_the_feed_stays_one_line() -> None:
    tail = LogTail(FakeLogs(), FUNCTIONS)
    logs = "START RequestId: r\n[ERROR] KeyError: 'x'\rTraceback (most recent call last):\r  File \"a.py\"\nEND\n"
    tail.from_feed(InvocationRecord("r", "app-dev-A", {}, None, True, "KeyError", 1.0, False, logs, 5))
    assert [line.message.split("\r")[0] for line in tail.backlog()] == [
        "START RequestId: r",
        "[ERROR] KeyError: 'x'",
        "END",
    ]
