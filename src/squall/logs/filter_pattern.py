"""CloudWatch Logs filter patterns: the syntax ``FilterLogEvents`` takes, compiled into a matcher.

Two forms, as AWS documents them ("Filter pattern syntax for metric filters, subscription filters, filter log
events"):

- **terms**: ``ERROR`` (the message contains it, case-sensitive), ``"quoted phrase"``, ``-term`` (must not
  contain), ``?a ?b`` (contains at least one of them). Plain terms must all be present.
- **JSON**: ``{ $.level = "ERROR" }``, ``{ $.n > 3 && $.user.id != "x" }``, ``||``, parentheses, ``!=``,
  ``<``/``<=``/``>``/``>=`` for numbers, ``*`` wildcards in strings, ``$.a[0].b``, ``IS TRUE``/``IS FALSE``/
  ``IS NULL``, ``NOT EXISTS``. A message that is not a JSON object never matches.

The empty pattern matches every message. ``compile_pattern`` raises ``FilterPatternError`` for a pattern
AWS would refuse; the same code serves the console's search and the local cloud's ``FilterLogEvents``.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Matcher = Callable[[str], bool]


class FilterPatternError(ValueError):
    """The pattern is not valid CloudWatch Logs filter-pattern syntax."""


@dataclass(frozen=True)
class FilterPattern:
    text: str
    _match: Matcher

    def matches(self, message: str) -> bool:
        return self._match(message)


def compile_pattern(text: str) -> FilterPattern:
    """The matcher for ``text`` (a terms pattern or a ``{ ... }`` JSON pattern)."""
    stripped = text.strip()
    if not stripped:
        return FilterPattern(text, lambda _: True)
    if stripped.startswith("{"):
        if not stripped.endswith("}"):
            raise FilterPatternError(f"invalid filter pattern {text!r}: a JSON pattern ends with '}}'")
        return FilterPattern(text, _json_matcher(stripped[1:-1]))
    if stripped.startswith("["):
        raise FilterPatternError(
            f"space-delimited filter patterns are not supported: {text!r}; use terms or a JSON pattern"
        )
    return FilterPattern(text, _terms_matcher(stripped))


# terms


def _terms(text: str) -> list[tuple[str, str]]:
    """(kind, term) with kind ``+`` (required), ``-`` (excluded) or ``?`` (any of)."""
    found: list[tuple[str, str]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        kind = "+"
        if char in "-?":
            kind = char
            index += 1
        if index < len(text) and text[index] == '"':
            end = text.find('"', index + 1)
            if end < 0:
                raise FilterPatternError(f"invalid filter pattern {text!r}: a quoted term is not closed")
            term = text[index + 1 : end]
            index = end + 1
        else:
            end = index
            while end < len(text) and not text[end].isspace():
                end += 1
            term = text[index:end]
            index = end
        if not term:
            raise FilterPatternError(f"invalid filter pattern {text!r}: {kind!r} needs a term after it")
        found.append((kind, term))
    return found


def _terms_matcher(text: str) -> Matcher:
    terms = _terms(text)
    required = [t for k, t in terms if k == "+"]
    excluded = [t for k, t in terms if k == "-"]
    optional = [t for k, t in terms if k == "?"]

    def match(message: str) -> bool:
        if any(term not in message for term in required):
            return False
        if any(term in message for term in excluded):
            return False
        return not optional or any(term in message for term in optional)

    return match


# JSON

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<and>&&) | (?P<or>\|\|) | (?P<lp>\() | (?P<rp>\)) |
        (?P<op>!=|<=|>=|=|<|>) |
        (?P<selector>\$(?:\.[A-Za-z_@$][\w@$-]*|\[\d+\])*) |
        (?P<string>"(?:[^"\\]|\\.)*") |
        (?P<regex>%(?:[^%\\]|\\.)*%) |
        (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?) |
        (?P<word>[A-Za-z_][\w*.-]*|\*[\w*.-]*)
    )""",
    re.VERBOSE,
)
_MISSING = object()


def _tokens(body: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    index = 0
    while index < len(body):
        if body[index:].strip() == "":
            break
        match = _TOKEN.match(body, index)
        if match is None or match.end() == index:
            raise FilterPatternError(f"invalid JSON filter pattern near {body[index:].strip()[:20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        index = match.end()
    return out


def _select(document: Any, selector: str) -> Any:
    value = document
    for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", selector[1:]):
        key, position = part
        if key:
            if not isinstance(value, dict) or key not in value:
                return _MISSING
            value = value[key]
        else:
            if not isinstance(value, list) or int(position) >= len(value):
                return _MISSING
            value = value[int(position)]
    return value


Predicate = Callable[[Any], bool]


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, kind: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (kind is not None and token[0] != kind):
            raise FilterPatternError(
                f"invalid JSON filter pattern: expected {kind or 'more'}, got {token[1] if token else 'the end'}"
            )
        self.at += 1
        return token

    def expression(self) -> Predicate:
        left = self.conjunction()
        while (token := self.peek()) is not None and token[0] == "or":
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda doc: a(doc) or b(doc))(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.term()
        while (token := self.peek()) is not None and token[0] == "and":
            self.take()
            right = self.term()
            left = (lambda a, b: lambda doc: a(doc) and b(doc))(left, right)
        return left

    def term(self) -> Predicate:
        token = self.peek()
        if token is not None and token[0] == "lp":
            self.take()
            inner = self.expression()
            self.take("rp")
            return inner
        selector = self.take("selector")[1]
        following = self.peek()
        if following is not None and following[0] == "word" and following[1].upper() in ("IS", "NOT"):
            return self.keyword(selector)
        operator = self.take("op")[1]
        kind, raw = self.take()
        return _comparison(selector, operator, kind, raw)

    def keyword(self, selector: str) -> Predicate:
        first = self.take("word")[1].upper()
        second = self.take("word")[1].upper()
        if first == "NOT" and second == "EXISTS":
            return lambda doc: _select(doc, selector) is _MISSING
        if first == "IS" and second in ("TRUE", "FALSE"):
            expected = second == "TRUE"
            return lambda doc: _select(doc, selector) is expected
        if first == "IS" and second == "NULL":
            return lambda doc: _select(doc, selector) is None
        raise FilterPatternError(f"invalid JSON filter pattern: {first} {second}")


def _comparison(selector: str, operator: str, kind: str, raw: str) -> Predicate:
    if kind == "number":
        number = float(raw)
        compare = _NUMERIC[operator]

        def numeric(doc: Any) -> bool:
            value = _select(doc, selector)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return operator == "!=" and value is not _MISSING
            return compare(float(value), number)

        return numeric
    if operator not in ("=", "!="):
        raise FilterPatternError(f"invalid JSON filter pattern: {operator} compares numbers only")
    if kind == "regex":
        pattern = re.compile(raw[1:-1])
        test: Callable[[str], bool] = lambda text: pattern.search(text) is not None  # noqa: E731
    else:
        if kind == "string":
            expected = json.loads(raw)
        elif kind == "word":
            expected = raw
        else:
            raise FilterPatternError(f"invalid JSON filter pattern: cannot compare with {raw!r}")
        wildcard = "*" in expected
        test = (
            (lambda text: fnmatch.fnmatchcase(text, expected))
            if wildcard
            else (lambda text: text == expected)
        )

    def textual(doc: Any) -> bool:
        value = _select(doc, selector)
        if value is _MISSING or isinstance(value, dict | list) or value is None:
            return operator == "!=" and value is not _MISSING
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int | float):
            text = json.dumps(value)
        else:
            text = str(value)
        return test(text) == (operator == "=")

    return textual


_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _json_matcher(body: str) -> Matcher:
    parser = _Parser(_tokens(body))
    if not parser.tokens:
        raise FilterPatternError("invalid JSON filter pattern: { } needs a condition")
    predicate = parser.expression()
    if parser.peek() is not None:
        raise FilterPatternError(f"invalid JSON filter pattern: unexpected {parser.peek()[1]!r}")  # type: ignore[index]

    def match(message: str) -> bool:
        text = message.strip()
        if not text.startswith("{"):
            return False
        try:
            document = json.loads(text)
        except ValueError:
            return False
        return isinstance(document, dict) and predicate(document)

    return match
