"""Tracebacks: frames parsed from both shapes, library frames recognised, folded and skipped for grouping."""

from __future__ import annotations

import traceback

from squall.logs.tracebacks import code_path, fold, innermost_user_frame, is_library, parse_frames, render

LAMBDA_TRACE = [
    '  File "/tmp/app/functions/upload.py", line 12, in handler\n    save(event)\n',
    '  File "/tmp/app/functions/store.py", line 4, in save\n    s3.put_object(Bucket=name, Key=key)\n',
    '  File "/venv/lib/python3.11/site-packages/botocore/client.py", line 553, in _api_call\n'
    "    return self._make_api_call(operation_name, kwargs)\n",
    '  File "/venv/lib/python3.11/site-packages/botocore/client.py", line 1009, in _make_api_call\n'
    "    raise error_class(parsed_response, operation_name)\n",
]

PRINTED = (
    "[ERROR] KeyError: 'url'\rTraceback (most recent call last):\r"
    '\xa0\xa0File "/usr/lib/python3.11/json/__init__.py", line 346, in loads\r'
    "\xa0\xa0\xa0\xa0return _default_decoder.decode(s)\r"
)


def test_frames_from_lambdas_stack_trace_list() -> None:
    frames = parse_frames(LAMBDA_TRACE)
    assert [(f.file.rsplit("/", 1)[-1], f.line, f.name) for f in frames] == [
        ("upload.py", 12, "handler"),
        ("store.py", 4, "save"),
        ("client.py", 553, "_api_call"),
        ("client.py", 1009, "_make_api_call"),
    ]
    assert frames[1].code == "s3.put_object(Bucket=name, Key=key)"
    assert [f.library for f in frames] == [False, False, True, True]


def test_frames_from_printed_text_with_carets_and_a_real_exception() -> None:
    def inner() -> None:
        {}["missing"]

    try:
        inner()
    except KeyError as exc:
        text = "".join(traceback.format_exception(exc))
    frames = parse_frames(text)
    assert [f.name for f in frames][-1] == "inner"
    assert frames[-1].code == '{}["missing"]'
    assert not frames[-1].library


def test_library_paths() -> None:
    assert is_library("/venv/lib/python3.12/site-packages/requests/api.py")
    assert is_library("/usr/lib/python3/dist-packages/yaml/__init__.py")
    assert is_library("/opt/python/boto3/session.py")
    assert is_library("/work/src/squall/runtime/worker.py")
    assert is_library("/usr/lib/python3.11/json/decoder.py")
    assert is_library(traceback.__file__)
    assert is_library("<frozen importlib._bootstrap>")
    assert not is_library("/home/me/app/functions/shorten.py")
    assert not is_library("functions/shorten.py")
    assert not is_library("/home/me/lib/python3-notes/app.py")


def test_consecutive_library_frames_fold_into_one_line() -> None:
    frames = parse_frames(LAMBDA_TRACE)
    lines = render(frames)
    assert lines == [
        "Traceback (most recent call last):",
        '  File "/tmp/app/functions/upload.py", line 12, in handler',
        "    save(event)",
        '  File "/tmp/app/functions/store.py", line 4, in save',
        "    s3.put_object(Bucket=name, Key=key)",
        "  … 2 library frames",
    ]
    assert len(fold(frames)) == 3


def test_grouping_frame_is_the_innermost_users_frame() -> None:
    frames = parse_frames(LAMBDA_TRACE)
    frame = innermost_user_frame(frames)
    assert frame is not None and frame.where == "/tmp/app/functions/store.py:4 in save"
    assert innermost_user_frame(parse_frames(PRINTED.replace("\xa0", " "))) is None
    assert innermost_user_frame([]) is None


def test_the_runtimes_error_record_with_non_breaking_indents() -> None:
    record = (
        "[ERROR] ValueError: bad\rTraceback (most recent call last):\r"
        '\xa0\xa0File "/tmp/app/functions/a.py", line 3, in handler\r'
        "\xa0\xa0\xa0\xa0raise ValueError('bad')\r"
    )
    frames = parse_frames(record)
    assert [(f.name, f.code, f.library) for f in frames] == [("handler", "raise ValueError('bad')", False)]


def test_code_paths_are_the_same_wherever_the_code_ran() -> None:
    assert code_path("/var/task/functions/a.py") == "functions/a.py"
    assert (
        code_path("/home/me/.squall/cloud/functions/7763bf217a615b6ab1590b6e/functions/a.py")
        == "functions/a.py"
    )
    assert code_path("/home/me/app/functions/a.py", ["/home/me/app"]) == "functions/a.py"
    assert code_path("/home/me/app/functions/a.py") == "/home/me/app/functions/a.py"
