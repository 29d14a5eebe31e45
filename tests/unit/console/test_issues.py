"""Issues: failures grouped by error type and innermost user frame; resolve reopens on a new occurrence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from squall.console.issues import FileDecisions, IssueTracker, MemoryDecisions
from squall.runtime.records import InvocationRecord


def frame(file: str, line: int, name: str) -> str:
    return f'  File "{file}", line {line}, in {name}\n    code()\n'


BOTO = frame("/venv/lib/python3.11/site-packages/botocore/client.py", 553, "_api_call")


def failed(
    rid: str, function: str, at: int, error_type: str, trace: list[str], message: str = "m"
) -> InvocationRecord:
    response: dict[str, Any] = {"errorType": error_type, "errorMessage": message, "stackTrace": trace}
    return InvocationRecord(rid, function, {}, response, True, error_type, 1.0, False, "", at)


def ok(rid: str, at: int) -> InvocationRecord:
    return InvocationRecord(rid, "fn-a", {}, {"statusCode": 200}, False, None, 1.0, False, "", at)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_grouped_by_type_and_innermost_user_frame_not_by_library_frames() -> None:
    tracker = IssueTracker(MemoryDecisions(), clock=Clock())
    user = frame("/app/functions/a.py", 3, "handler")
    tracker.observe_records(
        [
            failed("r1", "fn-a", 1, "KeyError", [user]),
            failed("r2", "fn-a", 2, "KeyError", [user, BOTO]),  # same user frame: same issue
            failed("r3", "fn-b", 3, "KeyError", [frame("/app/functions/a.py", 7, "handler"), BOTO]),
            failed("r4", "fn-b", 4, "ValueError", [user]),
            failed("r5", "fn-a", 5, "Sandbox.Timedout", []),
            failed("r6", "fn-b", 6, "Sandbox.Timedout", []),
            failed("r1", "fn-a", 1, "KeyError", [user]),  # the same invocation seen twice
            ok("r7", 7),
        ]
    )
    issues = tracker.list("all")
    assert sorted((i["errorType"], i["count"], tuple(i["functions"])) for i in issues) == [
        ("KeyError", 3, ("fn-a", "fn-b")),
        ("Sandbox.Timedout", 1, ("fn-a",)),
        ("Sandbox.Timedout", 1, ("fn-b",)),
        ("ValueError", 1, ("fn-b",)),
    ]
    key_error = next(i for i in issues if i["errorType"] == "KeyError")
    detail = tracker.get(key_error["id"])
    assert detail is not None
    assert [i["requestId"] for i in detail["invocations"]] == ["r3", "r2", "r1"]
    assert detail["where"] == "/app/functions/a.py:7 in handler"
    assert detail["trace"][-1] == {"folded": [detail["trace"][-1]["folded"][0]]}
    assert key_error["firstSeen"] == 1 and key_error["lastSeen"] == 3


def test_resolved_reopens_on_a_new_occurrence_ignored_stays_quiet(tmp_path: Path) -> None:
    clock = Clock()
    decisions = FileDecisions(tmp_path / ".squall" / "console" / "dev.issues.json")
    announced: list[str] = []
    tracker = IssueTracker(decisions, clock=clock, on_new=lambda issue, _: announced.append(issue.error_type))
    tracker.observe_records(
        [failed("r1", "f", 500_000, "KeyError", []), failed("r2", "f", 500_001, "ValueError", [])]
    )
    assert announced == ["KeyError", "ValueError"]
    key_error, value_error = sorted(tracker.list("all"), key=lambda i: i["errorType"])
    tracker.decide(key_error["id"], "resolved")
    tracker.decide(value_error["id"], "ignored")
    assert tracker.list("open") == []
    assert (tmp_path / ".squall" / "console" / "dev.issues.json").stat().st_mode & 0o777 == 0o600

    # A console started later over the same history keeps the decisions.
    again = IssueTracker(decisions, clock=clock, on_new=lambda issue, _: announced.append(issue.error_type))
    again.observe_records(
        [failed("r1", "f", 500_000, "KeyError", []), failed("r2", "f", 500_001, "ValueError", [])]
    )
    assert {i["status"] for i in again.list("all")} == {"resolved", "ignored"}
    assert announced == ["KeyError", "ValueError"]

    clock.now += 10
    again.observe_records(
        [
            failed("r3", "f", int(clock.now * 1000), "KeyError", []),
            failed("r4", "f", int(clock.now * 1000), "ValueError", []),
        ]
    )
    statuses = {i["errorType"]: (i["status"], i["count"]) for i in again.list("all")}
    assert statuses == {"KeyError": ("open", 2), "ValueError": ("ignored", 2)}


def test_sparkline_counts_the_last_day_by_hour() -> None:
    clock = Clock()
    clock.now = 100 * 3600.0
    tracker = IssueTracker(MemoryDecisions(), clock=clock)
    now_ms = int(clock.now * 1000)
    tracker.observe_records(
        [
            failed(f"r{i}", "f", now_ms - offset, "E", [])
            for i, offset in enumerate((10, 20, 3_600_000 + 5, 30 * 3_600_000))
        ]
    )
    spark = tracker.list("all")[0]["spark"]
    assert len(spark) == 24 and spark[-1] == 2 and spark[-2] == 1 and sum(spark) == 3


def test_the_same_error_in_another_code_version_is_the_same_issue() -> None:
    tracker = IssueTracker(MemoryDecisions(), clock=Clock(), roots=["/home/me/app"])
    tracker.observe_records(
        [
            failed(
                "r1",
                "f",
                1,
                "KeyError",
                [frame("/data/functions/0123456789abcdef0123/functions/a.py", 3, "h")],
            ),
            failed(
                "r2",
                "f",
                2,
                "KeyError",
                [frame("/data/functions/fedcba98765432100000/functions/a.py", 5, "h")],
            ),
            failed("r3", "f", 3, "KeyError", [frame("/home/me/app/functions/a.py", 4, "h")]),
            failed("r4", "f", 4, "KeyError", [frame("/var/task/functions/a.py", 4, "h")]),
        ]
    )
    [issue] = tracker.list("all")
    assert issue["count"] == 4 and issue["where"] == "functions/a.py:4 in h"
