"""EventBridge schedule expressions: ``rate(5 minutes)`` and six-field ``cron(...)``, in AWS's syntax.

``schedule_problem`` validates an expression (the constructs use it); ``next_fire`` says when one fires
next (the local cloud's scheduler uses it). Times are UTC, as on AWS.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

# (name, low, high, names, extra characters AWS allows in the field)
FIELDS: list[tuple[str, int, int, list[str], str]] = [
    ("minutes", 0, 59, [], ""),
    ("hours", 0, 23, [], ""),
    ("day-of-month", 1, 31, [], "?LW"),
    ("month", 1, 12, MONTHS, ""),
    ("day-of-week", 1, 7, DAYS, "?L#"),
    ("year", 1970, 2199, [], ""),
]


def rate_seconds(expression: str) -> int | None:
    match = _RATE.match(expression)
    if not match:
        return None
    value, unit = int(match.group(1)), match.group(2)
    return value * {"minute": 60, "hour": 3600, "day": 86400}[unit.rstrip("s")]


def _value_problem(text: str, low: int, high: int, names: list[str], name: str) -> str | None:
    if text.upper() in names:
        return None
    if not text.isdigit():
        return f"{name} value {text!r} is not a number"
    if not low <= int(text) <= high:
        return f"{name} value {text} is outside {low}-{high}"
    return None


def _field_problem(text: str, name: str, low: int, high: int, names: list[str], extra: str) -> str | None:
    if text == "*" or (text == "?" and "?" in extra):
        return None
    if "W" in extra and (text == "L" or text == "LW" or re.fullmatch(r"\d+[LW]", text)):
        return None
    day = "|".join(["[1-7]", *names])
    if "#" in extra and (text == "L" or re.fullmatch(rf"({day})(L|#[1-5])", text.upper())):
        return None
    for part in text.split(","):
        base, slash, step = part.partition("/")
        if slash and (not step.isdigit() or int(step) == 0):
            return f"{name} step {step!r} must be a positive number"
        if base == "*":
            continue
        start, dash, end = base.partition("-")
        for value in (start, end) if dash else (start,):
            problem = _value_problem(value, low, high, names, name)
            if problem:
                return problem
    return None


def schedule_problem(expression: object) -> str | None:
    """Why ``expression`` is not a valid EventBridge schedule, or None."""
    if not isinstance(expression, str):
        return "must be a string like 'rate(5 minutes)' or 'cron(0 12 * * ? *)'"
    if expression.startswith("rate("):
        match = _RATE.match(expression)
        if not match:
            return "a rate is 'rate(N minute|minutes|hour|hours|day|days)'"
        value, unit = int(match.group(1)), match.group(2)
        if value < 1:
            return "a rate must be at least 1"
        if (value == 1) != (not unit.endswith("s")):
            return f"AWS wants {'the singular' if value == 1 else 'the plural'} unit here: rate({value} {unit.rstrip('s') + ('' if value == 1 else 's')})"
        return None
    match = _CRON.match(expression)
    if not match:
        return "must start with 'rate(' or 'cron('"
    parts = match.group(1).split()
    if len(parts) != 6:
        return "a cron has six fields: minutes hours day-of-month month day-of-week year"
    for text, (name, low, high, names, extra) in zip(parts, FIELDS, strict=True):
        problem = _field_problem(text, name, low, high, names, extra)
        if problem:
            return problem
    if (parts[2] == "?") == (parts[4] == "?"):
        return "exactly one of day-of-month and day-of-week must be '?'"
    return None


# -- when a schedule fires ----------------------------------------------------------------------
#
# A cron is compiled once into sets of allowed values per field; the day fields keep AWS's special
# forms (L, W, #) as small predicates on a date. ``next_fire`` walks days, not minutes, so a yearly
# schedule costs a few hundred steps.

_WEEKDAY_NAMES = {name: index + 1 for index, name in enumerate(DAYS)}
_MONTH_NAMES = {name: index + 1 for index, name in enumerate(MONTHS)}
_HORIZON_YEARS = 30


@dataclass(frozen=True)
class Cron:
    """A parsed six-field AWS cron: allowed minutes, hours, months, years and a day predicate."""

    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    day_of_month: str
    day_of_week: str

    @classmethod
    def parse(cls, expression: str) -> Cron:
        """``cron(0 12 * * ? *)`` or its six fields alone; raises ValueError when not valid."""
        problem = schedule_problem(expression if expression.startswith("cron(") else f"cron({expression})")
        if problem:
            raise ValueError(f"bad schedule expression {expression!r}: {problem}")
        match = _CRON.match(expression)
        parts = (match.group(1) if match else expression).split()
        return cls(
            minutes=_values(parts[0], 0, 59, {}),
            hours=_values(parts[1], 0, 23, {}),
            months=_values(parts[3], 1, 12, _MONTH_NAMES),
            years=_values(parts[5], 1970, 2199, {}),
            day_of_month=parts[2].upper(),
            day_of_week=parts[4].upper(),
        )

    def day_matches(self, day: date) -> bool:
        if self.day_of_month != "?":
            return _day_of_month_matches(self.day_of_month, day)
        return _day_of_week_matches(self.day_of_week, day)

    def next_after(self, after: datetime) -> datetime | None:
        """The first fire strictly after ``after`` (naive UTC or aware), or None within the horizon."""
        if after.tzinfo is not None:
            after = after.astimezone(UTC).replace(tzinfo=None)
        start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.date()
        last_day = date(min(start.year + _HORIZON_YEARS, 2199), 12, 31)
        while day <= last_day:
            if day.year not in self.years:
                if day.year > max(self.years):
                    return None
                day = date(day.year + 1, 1, 1)
                continue
            if day.month not in self.months:
                day = _first_of_next_month(day)
                continue
            if self.day_matches(day):
                found = self._time_on(day, start)
                if found is not None:
                    return found
            day += timedelta(days=1)
        return None

    def _time_on(self, day: date, start: datetime) -> datetime | None:
        for hour in sorted(self.hours):
            for minute in sorted(self.minutes):
                candidate = datetime(day.year, day.month, day.day, hour, minute)
                if candidate >= start:
                    return candidate
        return None


def next_fire(expression: str, after: datetime, created: datetime | None = None) -> datetime | None:
    """When ``expression`` fires next, strictly after ``after`` (naive UTC datetimes).

    A rate counts from ``created`` (the rule's creation time, as AWS does; ``after`` when unknown).
    """
    seconds = rate_seconds(expression)
    if seconds is not None:
        origin = created if created is not None else after
        if after < origin:
            return origin + timedelta(seconds=seconds)
        periods = int((after - origin).total_seconds() // seconds) + 1
        return origin + timedelta(seconds=periods * seconds)
    return Cron.parse(expression).next_after(after)


def _values(text: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    if text in ("*", "?"):
        return frozenset(range(low, high + 1))
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = low, high
        else:
            start, dash, end = base.partition("-")
            first = _number(start, names)
            last = _number(end, names) if dash else (high if step_text else first)
        span = (
            list(range(first, last + 1))
            if first <= last
            else [*range(first, high + 1), *range(low, last + 1)]
        )
        values.update(span[::step])
    return frozenset(values)


def _number(text: str, names: dict[str, int]) -> int:
    upper = text.upper()
    return names[upper] if upper in names else int(upper)


def _aws_weekday(day: date) -> int:
    """AWS numbers the days of the week 1 (Sunday) to 7 (Saturday)."""
    return day.isoweekday() % 7 + 1


def _last_day(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _nearest_weekday(year: int, month: int, target: int) -> int:
    """The weekday nearest to day ``target`` of the month, never leaving the month (AWS's ``W``)."""
    last = calendar.monthrange(year, month)[1]
    target = min(target, last)
    weekday = date(year, month, target).weekday()  # Monday 0 .. Sunday 6
    if weekday == 5:
        return target - 1 if target > 1 else target + 2
    if weekday == 6:
        return target + 1 if target < last else target - 2
    return target


def _day_of_month_matches(spec: str, day: date) -> bool:
    if spec == "L":
        return day.day == _last_day(day)
    if spec == "LW":
        return day.day == _nearest_weekday(day.year, day.month, _last_day(day))
    if spec.endswith("W"):
        return day.day == _nearest_weekday(day.year, day.month, int(spec[:-1]))
    return day.day in _values(spec, 1, 31, {})


def _day_of_week_matches(spec: str, day: date) -> bool:
    weekday = _aws_weekday(day)
    if spec == "L":
        return weekday == 7
    if spec.endswith("L"):
        return weekday == _number(spec[:-1], _WEEKDAY_NAMES) and day.day + 7 > _last_day(day)
    if "#" in spec:
        wanted, _, nth = spec.partition("#")
        return weekday == _number(wanted, _WEEKDAY_NAMES) and (day.day - 1) // 7 + 1 == int(nth)
    return weekday in _values(spec, 1, 7, _WEEKDAY_NAMES)


def _first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
