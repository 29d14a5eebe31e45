"""The dev terminal shows each invocation's own output lines under its line, and hides them on request."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from squall.cli.dev import show_logs
from squall.dev.output import Overlaps, handler_lines
from squall.dev.view import TerminalView
from squall.errors import SquallError
from squall.runtime import InvocationResult

RID = "8d1c0a55-0000-4000-8000-000000000001"


def result(logs: str, *, error: dict[str, object] | None = None, rid: str = RID) -> InvocationResult:
    return InvocationResult(
        request_id=rid,
        payload=error if error is not None else {"statusCode": 200},
        error_type="Unhandled" if error is not None else None,
        logs=logs,
        duration_ms=3.0,
        cold=False,
    )


def platform(rid: str, body: str) -> str:
    return (
        f"START RequestId: {rid} Version: $LATEST\n{body}END RequestId: {rid}\n"
        f"REPORT RequestId: {rid}\tDuration: 3.00 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 40 MB\t\n"
    )


def view(show: bool = True) -> tuple[TerminalView, io.StringIO]:
    out = io.StringIO()
    return TerminalView(Console(file=out, width=200, highlight=False), show_logs=show), out


def test_print_and_logging_lines_appear_under_the_invocation() -> None:
    terminal, out = view()
    logs = platform(RID, f"hello from print\n[INFO]\t2026-12-02T14:00:00.123Z\t{RID}\tsaved note n1\n")
    terminal.invocation("ApiPostNotes", {}, result(logs))
    lines = out.getvalue().splitlines()
    assert "ApiPostNotes" in lines[0] and "200" in lines[0]
    assert lines[1:] == ["    hello from print", "    [INFO] saved note n1"]


def test_the_platform_lines_and_the_runtime_error_record_are_left_out() -> None:
    error = {"errorType": "KeyError", "errorMessage": "'id'", "stackTrace": []}
    body = "before the failure\n[ERROR] KeyError: 'id'\rTraceback (most recent call last):\r  File x\n"
    lines = handler_lines(
        result("INIT_START Runtime Version: python:3.12\n" + platform(RID, body), error=error)
    )
    assert lines == ["before the failure"]


def test_no_logs_hides_them() -> None:
    terminal, out = view(show=False)
    terminal.invocation("ApiPostNotes", {}, result(platform(RID, "hello from print\n")))
    assert "hello from print" not in out.getvalue()
    assert "ApiPostNotes" in out.getvalue()


def test_lines_are_prefixed_by_function_while_another_function_runs() -> None:
    terminal, out = view()
    terminal.invocation("Alone", {}, result(platform(RID, "one\n")))
    terminal.begin("Slow")
    terminal.begin("Fast")
    terminal.invocation("Fast", {}, result(platform(RID, "fast line\n")))
    terminal.end("Fast")
    terminal.invocation("Slow", {}, result(platform(RID, "slow line\n")))
    terminal.end("Slow")
    text = out.getvalue()
    assert "    one" in text.splitlines()
    assert "    Fast │ fast line" in text and "    Slow │ slow line" in text


def test_overlaps_of_one_function_with_itself_are_not_several_functions() -> None:
    now = [100.0]
    overlaps = Overlaps(clock=lambda: now[0])
    overlaps.begin("A")
    overlaps.begin("A")
    assert overlaps.finished("A", 10) is False
    overlaps.end("A")
    now[0] = 100.005
    assert overlaps.finished("A", 10) is False
    overlaps.end("A")
    now[0] = 200.0
    assert overlaps.finished("B", 5) is False  # A's spans ended long before B started


@pytest.mark.parametrize(
    ("flag", "environ", "expected"),
    [
        (None, {}, True),
        (None, {"SQUALL_DEV_LOGS": "0"}, False),
        (None, {"SQUALL_DEV_LOGS": "yes"}, True),
        (True, {"SQUALL_DEV_LOGS": "0"}, True),
        (False, {}, False),
    ],
)
def test_the_logs_flag_then_the_environment_then_yes(
    flag: bool | None, environ: dict[str, str], expected: bool
) -> None:
    assert show_logs(flag, environ) is expected


def test_a_bad_environment_value_is_an_error() -> None:
    with pytest.raises(SquallError, match="SQUALL_DEV_LOGS"):
        show_logs(None, {"SQUALL_DEV_LOGS": "maybe"})
