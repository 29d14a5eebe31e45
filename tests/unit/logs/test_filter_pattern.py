"""CloudWatch Logs filter patterns: terms, phrases, exclusions, alternatives and JSON conditions."""

from __future__ import annotations

import pytest

from squall.logs.filter_pattern import FilterPatternError, compile_pattern

LINES = [
    "ERROR could not reach the database",
    "WARN slow query took 900 ms",
    "INFO request served",
    "ERROR Exiting after a signal",
    '{"level": "ERROR", "n": 5, "user": {"id": "u1"}, "tags": ["a", "b"], "ok": false, "gone": null}',
    '{"level": "INFO", "n": 2, "user": {"id": "u2"}, "tags": ["c"], "ok": true}',
]


def matching(pattern: str) -> list[int]:
    compiled = compile_pattern(pattern)
    return [index for index, line in enumerate(LINES) if compiled.matches(line)]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", [0, 1, 2, 3, 4, 5]),
        ("ERROR", [0, 3, 4]),
        ("error", []),
        ("ERROR database", [0]),
        ('"slow query"', [1]),
        ('"query slow"', []),
        ("ERROR -Exiting", [0, 4]),
        ("?WARN ?INFO", [1, 2, 5]),
        ('{ $.level = "ERROR" }', [4]),
        ("{ $.level = ERROR }", [4]),
        ('{ $.level != "ERROR" }', [5]),
        ("{ $.n > 3 }", [4]),
        ("{ $.n >= 2 && $.n < 5 }", [5]),
        ('{ $.n > 3 || $.user.id = "u2" }', [4, 5]),
        ('{ ($.n > 3 || $.n < 0) && $.user.id = "u1" }', [4]),
        ('{ $.tags[1] = "b" }', [4]),
        ('{ $.level = "ERR*" }', [4]),
        ("{ $.ok IS TRUE }", [5]),
        ("{ $.ok IS FALSE }", [4]),
        ("{ $.gone IS NULL }", [4]),
        ("{ $.gone NOT EXISTS }", [5]),
        ("{ $.user.id = %u[12]% }", [4, 5]),
    ],
)
def test_patterns_select_the_lines_aws_would(pattern: str, expected: list[int]) -> None:
    assert matching(pattern) == expected


@pytest.mark.parametrize(
    "pattern", ['"unclosed', "{ $.level = ", '{ $.level > "x" }', "{ }", "{ $.a = 1 ", "-", "[ip, user]"]
)
def test_invalid_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(FilterPatternError):
        compile_pattern(pattern)
