"""``memory_size`` as Lambda applies it: past it the sandbox kills the runtime; REPORT shows the worker's peak."""

from __future__ import annotations

import re

from tests.parity.conftest import AppFactory

HUNGRY = """
def handler(event, context):
    if event.get("allocate_mb"):
        block = bytearray(b"x") * (event["allocate_mb"] * 1024 * 1024)  # every page touched
        return len(block)
    return "fine"
"""


def _report(events: list[dict[str, object]]) -> str:
    return next(str(e["message"]) for e in events if str(e["message"]).startswith("REPORT"))


def test_twice_memory_size_is_runtime_out_of_memory_and_the_next_call_succeeds(app: AppFactory) -> None:
    running = app(
        'Function(stack, "Hungry", "functions/hungry.handler", memory_size=128)',
        {"functions/hungry.py": HUNGRY},
    )
    answer = running.invoke("Hungry", {"allocate_mb": 256})
    assert answer["FunctionError"] == "Unhandled"
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert answer["Payload"] == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }
    report = _report(running.events("Hungry", request_id))
    assert "Memory Size: 128 MB\tMax Memory Used: 128 MB\t" in report
    assert report.endswith("Status: error\tError Type: Runtime.OutOfMemory\t")

    again = running.invoke("Hungry", {})
    assert "FunctionError" not in again and again["Payload"] == "fine"


def test_report_shows_the_workers_own_peak_under_128_mb(app: AppFactory) -> None:
    running = app(
        'Function(stack, "Hungry", "functions/hungry.handler", memory_size=128)',
        {"functions/hungry.py": HUNGRY},
    )
    answer = running.invoke("Hungry", {})
    report = _report(running.events("Hungry", answer["ResponseMetadata"]["RequestId"]))
    used = re.search(r"Max Memory Used: (\d+) MB", report)
    assert used is not None
    assert 10 < int(used.group(1)) < 128, report
