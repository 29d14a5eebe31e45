"""The dev terminal prints a failed invocation's traceback with library frames folded."""

from __future__ import annotations

import io

from rich.console import Console

from squall.dev.view import TerminalView
from squall.runtime import InvocationResult

TRACE = [
    '  File "/home/me/app/functions/upload.py", line 9, in handler\n    s3.put_object(Bucket=b, Key=k)\n',
    '  File "/venv/lib/python3.11/site-packages/botocore/client.py", line 553, in _api_call\n    return x\n',
    '  File "/venv/lib/python3.11/site-packages/botocore/client.py", line 1009, in _make_api_call\n    raise e\n',
]


def test_library_frames_fold_into_one_line() -> None:
    out = io.StringIO()
    view = TerminalView(Console(file=out, width=200, highlight=False, color_system=None))
    payload = {"errorType": "NoSuchBucket", "errorMessage": "The bucket does not exist", "stackTrace": TRACE}
    view.invocation("Upload", {}, InvocationResult("r1", payload, "Unhandled", "", 3.0, False))
    text = out.getvalue()
    assert "upload.py" in text and "s3.put_object(Bucket=b, Key=k)" in text
    assert "… 2 library frames" in text
    assert "client.py" not in text


def test_a_new_issue_is_one_line() -> None:
    out = io.StringIO()
    view = TerminalView(Console(file=out, width=200, highlight=False, color_system=None))
    view.new_issue("KeyError", "functions/a.py:3 in handler", "Api")
    assert out.getvalue().count("\n") == 1 and "new issue" in out.getvalue()
