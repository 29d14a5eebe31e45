"""A function imports what it would on AWS, on the Python its runtime names."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from squall.runtime.interpreters import find_interpreter
from tests.parity.conftest import AppFactory, RunningApp

UNDECLARED = """
import yaml

def handler(event, context):
    return "unreachable"
"""
PROVIDED = """
import sys

import boto3
import botocore
import dateutil
import jmespath
import s3transfer
import six
import urllib3

from squall import Resource


def handler(event, context):
    names = {m.split(".")[0] for m in sys.modules}
    return {
        "version": list(sys.version_info[:2]),
        "boto3": boto3.__name__,
        "loaded_squall_definition": "squall.app" in sys.modules or "moto" in names,
        "site": "site" in sys.modules,
        "stage": Resource.App.stage,
    }
"""
DECLARED = """
def handler(event, context):
    import idna

    return idna.encode("ex\u00e4mple.org").decode()
"""


def test_an_undeclared_import_is_runtime_import_module_error(app: AppFactory) -> None:
    running = app('Function(stack, "Fn", "functions/x.handler")', {"functions/x.py": UNDECLARED})
    answer = running.invoke("Fn", {})
    assert answer["FunctionError"] == "Unhandled"
    assert answer["Payload"]["errorType"] == "Runtime.ImportModuleError"
    # The module as the deployed Handler names it (squall deploys "functions.x.handler"), as AWS says it.
    assert (
        answer["Payload"]["errorMessage"] == "Unable to import module 'functions.x': No module named 'yaml'"
    )
    assert answer["Payload"]["stackTrace"] == []


@pytest.mark.parametrize("runtime", ["python3.12", "python3.13"])
def test_the_runtime_libraries_and_the_sdk_import_on_the_runtimes_python(
    app: AppFactory, runtime: str
) -> None:
    running = app(
        f'Function(stack, "Fn", "functions/x.handler", runtime={runtime!r})', {"functions/x.py": PROVIDED}
    )
    answer = running.invoke("Fn", {})
    assert "FunctionError" not in answer, answer["Payload"]
    interpreter = find_interpreter(runtime)
    assert answer["Payload"] == {
        "version": list(interpreter.version),
        "boto3": "boto3",
        "loaded_squall_definition": False,
        "site": False,
        "stage": running.project.graph.stage,
    }
    if not interpreter.exact:
        pytest.skip(f"{runtime} is not installed here: ran on Python {sys.version_info[:2]}")


def _wait_for(
    running: RunningApp, function: str, check: Callable[[Any], bool], timeout: float = 120.0
) -> Any:
    """The first payload of ``function`` for which ``check`` holds, invoking it until the deadline."""
    deadline = time.monotonic() + timeout
    payload: Any = None
    while time.monotonic() < deadline:
        payload = running.invoke(function, {})["Payload"]
        if check(payload):
            return payload
        time.sleep(0.2)
    raise AssertionError(f"no matching answer within {timeout} s; last: {payload!r}")


def test_a_declared_dependency_imports_and_a_removed_one_no_longer_does(app: AppFactory, mode: str) -> None:
    files = {"functions/x.py": DECLARED, "requirements.txt": "idna\n"}
    running = app('Function(stack, "Fn", "functions/x.handler")', files)
    assert running.invoke("Fn", {})["Payload"] == "xn--exmple-cua.org"
    if mode != "dev":
        return
    # squall dev installs the new set and restarts the workers on it, without a restart of its own
    (running.project.root / "requirements.txt").write_text("# nothing any more\n", encoding="utf-8")
    payload = _wait_for(running, "Fn", lambda p: isinstance(p, dict) and "errorType" in p)
    assert payload["errorType"] == "ModuleNotFoundError"
    assert payload["errorMessage"] == "No module named 'idna'"
