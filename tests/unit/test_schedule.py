from __future__ import annotations

import pytest

from squall.schedule import rate_seconds, schedule_problem

VALID = [
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
    "cron(0 12 * * ? *)",
    "cron(15 10 ? * 6L 2026-2030)",
    "cron(0/15 * * * ? *)",
    "cron(0 8 1 * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 10 ? * 2#1 *)",
    "cron(5,35 14 * * ? *)",
    "cron(0 0 L * ? *)",
    "cron(0 9 15W * ? *)",
    "cron(0 9 ? JAN,JUL MON *)",
]

INVALID = [
    ("rate(1 minutes)", "singular"),
    ("rate(5 minute)", "plural"),
    ("rate(0 minutes)", "at least 1"),
    ("rate(5 weeks)", "rate is"),
    ("rate(five minutes)", "rate is"),
    ("every 5 minutes", "must start with"),
    ("cron(0 12 * * *)", "six fields"),
    ("cron(0 12 * * * *)", "exactly one"),
    ("cron(0 12 ? * ? *)", "exactly one"),
    ("cron(60 12 * * ? *)", "outside 0-59"),
    ("cron(0 24 * * ? *)", "outside 0-23"),
    ("cron(0 12 32 * ? *)", "outside 1-31"),
    ("cron(0 12 * 13 ? *)", "outside 1-12"),
    ("cron(0 12 ? * FOO *)", "not a number"),
    ("cron(0/0 * * * ? *)", "step"),
    (42, "must be a string"),
]


@pytest.mark.parametrize("expression", VALID)
def test_valid_expressions(expression: str) -> None:
    assert schedule_problem(expression) is None


@pytest.mark.parametrize(("expression", "problem"), INVALID)
def test_invalid_expressions_say_why(expression: object, problem: str) -> None:
    message = schedule_problem(expression)
    assert message is not None and problem in message


def test_rate_seconds() -> None:
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(1 day)") == 86400
    assert rate_seconds("cron(0 12 * * ? *)") is None
