from __future__ import annotations

import pytest

from squall.constructs.handlers import HandlerRef, defines


@pytest.mark.parametrize(
    ("handler", "module_path", "attribute"),
    [
        ("functions/shorten.handler", "functions/shorten", "handler"),
        ("functions.shorten.handler", "functions/shorten", "handler"),
        ("functions/shorten.py.handler", "functions/shorten", "handler"),
        ("app.main", "app", "main"),
    ],
)
def test_parse(handler: str, module_path: str, attribute: str) -> None:
    ref = HandlerRef.parse(handler)
    assert ref == HandlerRef(module_path, attribute)


@pytest.mark.parametrize(
    "handler", ["handler", "functions/shorten.", ".handler", "functions/sho rten.handler", "a/b.1x"]
)
def test_parse_rejects_malformed(handler: str) -> None:
    assert HandlerRef.parse(handler) is None


@pytest.mark.parametrize(
    "source",
    [
        "def handler(event, context): pass",
        "async def handler(event, context): pass",
        "handler = make_handler()",
        "handler: object = make_handler()",
        "from mangum import Mangum as handler",
        "from .impl import handler",
        "from .impl import *",
        "class handler: pass",
    ],
)
def test_defines_finds_top_level_names(source: str) -> None:
    assert defines(source, "x.py", "handler") is True


@pytest.mark.parametrize("source", ["def other(): pass", "def outer():\n    def handler(): pass", "x = 1"])
def test_defines_misses(source: str) -> None:
    assert defines(source, "x.py", "handler") is False


def test_defines_reports_syntax_errors_without_running_code() -> None:
    result = defines("import os\nos._exit(3)\ndef handler(:\n", "x.py", "handler")
    assert isinstance(result, SyntaxError)
    assert result.lineno == 3
