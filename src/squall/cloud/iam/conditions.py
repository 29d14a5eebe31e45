"""IAM ``Condition`` blocks: the operators AWS documents, evaluated against a request's context keys.

A block holds when every operator in it holds, and an operator when every key under it holds (values of
one key are alternatives). A key absent from the request matches nothing, so a negated operator
(``StringNotEquals``...) holds for it; ``...IfExists`` holds when the key is absent; ``Null`` tests
presence. ``ForAnyValue:``/``ForAllValues:`` compare multivalued keys.

Deny-safe: an operator squall does not know never grants (an ``Allow`` with it does not apply) and always
restricts (a ``Deny`` with it applies).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

Compare = Callable[[str, str], bool]


@lru_cache(maxsize=4096)
def wildcard(pattern: str, *, fold: bool) -> re.Pattern[str]:
    """``pattern`` with IAM's ``*`` and ``?`` as a compiled full-match regex."""
    parts = ("." + "*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if fold else re.DOTALL)


def _like(value: str, pattern: str) -> bool:
    return wildcard(pattern, fold=False).fullmatch(value) is not None


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()


def _arn_like(value: str, pattern: str) -> bool:
    given, wanted = value.split(":", 5), pattern.split(":", 5)
    if len(given) != 6 or len(wanted) != 6:
        return False
    return all(_like(v, p) for v, p in zip(given, wanted, strict=True))


def _ip(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _numeric(check: Callable[[float, float], bool], parse: Callable[[str], float]) -> Compare:
    def compare(value: str, wanted: str) -> bool:
        try:
            return check(parse(value), parse(wanted))
        except (ValueError, TypeError):
            return False

    return compare


# operator -> (comparison, negated)
OPERATORS: dict[str, tuple[Compare, bool]] = {
    "StringEquals": (lambda v, w: v == w, False),
    "StringNotEquals": (lambda v, w: v == w, True),
    "StringEqualsIgnoreCase": (lambda v, w: v.lower() == w.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda v, w: v.lower() == w.lower(), True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    "ArnEquals": (lambda v, w: v == w, False),
    "ArnNotEquals": (lambda v, w: v == w, True),
    "ArnLike": (_arn_like, False),
    "ArnNotLike": (_arn_like, True),
    "NumericEquals": (_numeric(lambda a, b: a == b, _number), False),
    "NumericNotEquals": (_numeric(lambda a, b: a == b, _number), True),
    "NumericLessThan": (_numeric(lambda a, b: a < b, _number), False),
    "NumericLessThanEquals": (_numeric(lambda a, b: a <= b, _number), False),
    "NumericGreaterThan": (_numeric(lambda a, b: a > b, _number), False),
    "NumericGreaterThanEquals": (_numeric(lambda a, b: a >= b, _number), False),
    "DateEquals": (_numeric(lambda a, b: a == b, _date), False),
    "DateNotEquals": (_numeric(lambda a, b: a == b, _date), True),
    "DateLessThan": (_numeric(lambda a, b: a < b, _date), False),
    "DateLessThanEquals": (_numeric(lambda a, b: a <= b, _date), False),
    "DateGreaterThan": (_numeric(lambda a, b: a > b, _date), False),
    "DateGreaterThanEquals": (_numeric(lambda a, b: a >= b, _date), False),
    "Bool": (lambda v, w: v.lower() == w.lower(), False),
    "BinaryEquals": (lambda v, w: v == w, False),
    "IpAddress": (_ip, False),
    "NotIpAddress": (_ip, True),
}


def holds(block: Mapping[str, Mapping[str, Any]], context: Mapping[str, Any], *, deny: bool) -> bool:
    """Whether the ``Condition`` block holds for ``context`` (unknown operators: see the module's note)."""
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            return deny
        for key, wanted in keys.items():
            verdict = _one(operator, key, _values(wanted), context)
            if verdict is None:
                return deny
            if not verdict:
                return False
    return True


def _one(operator: str, key: str, wanted: Sequence[str], context: Mapping[str, Any]) -> bool | None:
    present = _get(context, key)
    if operator == "Null":
        if len(wanted) != 1 or wanted[0].lower() not in ("true", "false"):
            return None
        return (present is None) == (wanted[0].lower() == "true")
    qualifier = ""
    if ":" in operator:
        qualifier, _, operator = operator.partition(":")
        if qualifier not in ("ForAnyValue", "ForAllValues"):
            return None
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    found = OPERATORS.get(base)
    if found is None:
        return None
    compare, negated = found
    if present is None:
        if if_exists or qualifier == "ForAllValues":
            return True
        return negated
    values = [_text(v) for v in present] if isinstance(present, list | tuple) else [_text(present)]
    if qualifier == "ForAllValues":
        return all(_matches(compare, negated, v, wanted) for v in values)
    return any(_matches(compare, negated, v, wanted) for v in values)


def _matches(compare: Compare, negated: bool, value: str, wanted: Sequence[str]) -> bool:
    hit = any(compare(value, w) for w in wanted)
    return not hit if negated else hit


def _get(context: Mapping[str, Any], key: str) -> Any:
    if key in context:
        return context[key]
    lowered = key.lower()
    return next((v for k, v in context.items() if k.lower() == lowered), None)


def _values(wanted: Any) -> list[str]:
    if isinstance(wanted, list):
        return [_text(v) for v in wanted]
    return [_text(wanted)]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
