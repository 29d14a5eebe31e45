"""When EventBridge schedule expressions fire next (AWS syntax, UTC)."""

from __future__ import annotations

from datetime import datetime

import pytest

from squall.schedule import Cron, next_fire

AFTER = datetime(2026, 11, 28, 20, 43, 10)  # a Saturday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 12 * * ? *)", datetime(2026, 11, 29, 12, 0)),
        ("cron(* * * * ? *)", datetime(2026, 11, 28, 20, 44)),
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 28, 20, 45)),
        ("cron(*/20 * * * ? *)", datetime(2026, 11, 28, 21, 0)),
        ("cron(5,50 * * * ? *)", datetime(2026, 11, 28, 20, 50)),
        ("cron(10-12 21 * * ? *)", datetime(2026, 11, 28, 21, 10)),
        ("cron(0 18 ? * MON-FRI *)", datetime(2026, 11, 30, 18, 0)),
        ("cron(0 18 ? * 2-6 *)", datetime(2026, 11, 30, 18, 0)),
        ("cron(0 0 ? * FRI-MON *)", datetime(2026, 11, 29, 0, 0)),
        ("cron(0 8 1 * ? *)", datetime(2026, 12, 1, 8, 0)),
        ("cron(0 0 1 JAN ? *)", datetime(2027, 1, 1, 0, 0)),
        ("cron(0 0 1 JAN,JUL ? 2030)", datetime(2030, 1, 1, 0, 0)),
        ("cron(0 0 1 1 ? 2030-2032)", datetime(2030, 1, 1, 0, 0)),
        ("cron(0 0 L * ? *)", datetime(2026, 11, 30, 0, 0)),
        ("cron(0 0 L FEB ? 2028)", datetime(2028, 2, 29, 0, 0)),
        ("cron(0 8 LW * ? *)", datetime(2026, 11, 30, 8, 0)),
        ("cron(0 8 LW JAN ? 2027)", datetime(2027, 1, 29, 8, 0)),  # Jan 31 2027 is a Sunday
        ("cron(0 8 15W * ? *)", datetime(2026, 12, 15, 8, 0)),
        ("cron(0 8 1W AUG ? 2026)", None),
        ("cron(0 8 1W FEB ? 2026)", None),
        ("cron(0 8 1W NOV ? 2025)", None),
        ("cron(0 8 1W MAY ? 2027)", datetime(2027, 5, 3, 8, 0)),  # May 1 2027 is a Saturday: Monday 3rd
        ("cron(0 8 31W OCT ? 2026)", None),
        ("cron(0 8 31W OCT ? 2027)", datetime(2027, 10, 29, 8, 0)),  # Oct 31 2027 is a Sunday: Friday 29th
        ("cron(0 10 ? * 6L *)", datetime(2026, 12, 25, 10, 0)),
        ("cron(0 10 ? * FRIL *)", datetime(2026, 12, 25, 10, 0)),
        ("cron(0 9 ? * 2#1 *)", datetime(2026, 12, 7, 9, 0)),
        ("cron(0 9 ? * MON#2 *)", datetime(2026, 12, 14, 9, 0)),
        ("cron(0 9 ? * 1#5 *)", datetime(2026, 11, 29, 9, 0)),
        ("cron(0 0 ? * L *)", datetime(2026, 12, 5, 0, 0)),
        ("cron(0 0 ? * SAT *)", datetime(2026, 12, 5, 0, 0)),
        ("cron(0 0 29 FEB ? *)", datetime(2028, 2, 29, 0, 0)),
        ("cron(0 0 1 1 ? 2020)", None),
        ("rate(1 minute)", datetime(2026, 11, 28, 20, 43, 30)),
        ("rate(5 minutes)", datetime(2026, 11, 28, 20, 45, 30)),
        ("rate(1 hour)", datetime(2026, 11, 28, 21, 0, 30)),
        ("rate(2 days)", datetime(2026, 11, 30, 20, 0, 30)),
    ],
)
def test_next_fire(expression: str, expected: datetime | None) -> None:
    created = datetime(2026, 11, 28, 20, 0, 30)
    assert next_fire(expression, AFTER, created) == expected


def test_next_fire_is_strictly_after() -> None:
    on_the_minute = datetime(2026, 11, 28, 12, 0)
    assert next_fire("cron(0 12 * * ? *)", on_the_minute) == datetime(2026, 11, 29, 12, 0)
    created = datetime(2026, 1, 1)
    assert next_fire("rate(1 minute)", datetime(2026, 1, 1, 0, 1), created) == datetime(2026, 1, 1, 0, 2)


def test_a_rate_before_its_creation_fires_one_period_after_it() -> None:
    created = datetime(2026, 1, 1, 0, 0, 10)
    assert next_fire("rate(1 minute)", datetime(2025, 12, 31), created) == datetime(2026, 1, 1, 0, 1, 10)


def test_aware_times_are_converted_to_utc() -> None:
    from datetime import timedelta, timezone

    paris = datetime(2026, 6, 1, 13, 30, tzinfo=timezone(timedelta(hours=2)))
    assert Cron.parse("cron(0 12 * * ? *)").next_after(paris) == datetime(2026, 6, 1, 12, 0)  # 11:30 UTC


@pytest.mark.parametrize("expression", ["cron(0 12 * * * *)", "cron(61 * * * ? *)", "cron(0 0 ? * MON#6 *)"])
def test_invalid_crons_are_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="bad schedule expression"):
        Cron.parse(expression)
