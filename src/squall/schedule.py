"""EventBridge schedule expressions: ``rate(5 minutes)`` and six-field ``cron(...)``, in AWS's syntax."""

from __future__ import annotations

import re

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
    if "L" in extra and (text == "L" or text == "LW" or re.fullmatch(r"\d+[LW]", text)):
        return None
    if "#" in extra and re.fullmatch(r"[1-7]#[1-5]", text):
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
