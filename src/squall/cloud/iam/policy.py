"""Identity-based policies, compiled once and evaluated with AWS's rules.

AWS's evaluation logic for a request within one account, identity-based policies only: every statement
whose ``Action``/``NotAction``, ``Resource``/``NotResource`` and ``Condition`` match is applicable; an
applicable ``Deny`` decides (explicit deny); otherwise an applicable ``Allow`` decides; otherwise the
request is denied implicitly. Action names match case-insensitively, resource ARNs case-sensitively;
both take ``*`` (any run of characters) and ``?`` (one character). Policy variables (``${aws:username}``)
in a resource are replaced from the request context; one that cannot be filled makes the statement not
apply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from squall.cloud.iam import conditions
from squall.cloud.iam.conditions import wildcard

Decision = Literal["allow", "explicit-deny", "implicit-deny"]
_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_SPECIAL = {"${*}": "*", "${?}": "?", "${$}": "$"}


class _Matcher:
    """A list of IAM patterns (actions or resources): literal ones in a set, wildcard ones as regexes."""

    __slots__ = ("any", "fold", "literal", "patterns", "variables")

    def __init__(self, values: Iterable[str], *, fold: bool) -> None:
        self.fold = fold
        self.any = False
        self.literal: set[str] = set()
        self.patterns: list[re.Pattern[str]] = []
        self.variables: list[str] = []
        for value in values:
            if value == "*":
                self.any = True
            elif "${" in value:
                self.variables.append(value)
            elif "*" in value or "?" in value:
                self.patterns.append(wildcard(value, fold=fold))
            else:
                self.literal.add(value.lower() if fold else value)

    def matches(self, value: str, context: Mapping[str, Any]) -> bool:
        if self.any:
            return True
        if (value.lower() if self.fold else value) in self.literal:
            return True
        if any(p.fullmatch(value) for p in self.patterns):
            return True
        for template in self.variables:
            filled = substitute(template, context)
            if filled is not None and wildcard(filled, fold=self.fold).fullmatch(value):
                return True
        return False


def substitute(template: str, context: Mapping[str, Any]) -> str | None:
    """``template`` with its policy variables filled from ``context``; None if one has no value."""

    def fill(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole in _SPECIAL:
            return _SPECIAL[whole]
        name, _, default = match.group(1).partition(",")
        value = _lookup(context, name.strip())
        if value is None:
            default = default.strip()
            if default.startswith("'") and default.endswith("'") and len(default) >= 2:
                return default[1:-1]
            raise KeyError(name)
        return str(value)

    try:
        return _VARIABLE.sub(fill, template)
    except KeyError:
        return None


def _lookup(context: Mapping[str, Any], key: str) -> Any:
    found = context.get(key)
    if found is None:
        lowered = key.lower()
        found = next((v for k, v in context.items() if k.lower() == lowered), None)
    return found


@dataclass(frozen=True, slots=True)
class Statement:
    effect: Literal["Allow", "Deny"]
    actions: _Matcher
    not_actions: bool
    resources: _Matcher
    not_resources: bool
    condition: Mapping[str, Mapping[str, Any]]
    sid: str = ""

    def applies(self, action: str, resource: str, context: Mapping[str, Any]) -> bool:
        if self.actions.matches(action, context) == self.not_actions:
            return False
        if self.resources.matches(resource, context) == self.not_resources:
            return False
        if not self.condition:
            return True
        return conditions.holds(self.condition, context, deny=self.effect == "Deny")


class Policy:
    """The statements of one or more policy documents, evaluated together."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        self._denies = [s for s in statements if s.effect == "Deny"]
        self._allows = [s for s in statements if s.effect == "Allow"]

    @classmethod
    def parse(cls, documents: Iterable[str | Mapping[str, Any]]) -> Policy:
        statements: list[Statement] = []
        for document in documents:
            statements.extend(_statements(document))
        return cls(statements)

    def decide(self, action: str, resource: str, context: Mapping[str, Any]) -> Decision:
        if any(s.applies(action, resource, context) for s in self._denies):
            return "explicit-deny"
        if any(s.applies(action, resource, context) for s in self._allows):
            return "allow"
        return "implicit-deny"


def _statements(document: str | Mapping[str, Any]) -> Iterable[Statement]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return  # moto validates documents on the way in; a broken one grants nothing
    if not isinstance(document, Mapping):
        return
    raw = document.get("Statement", [])
    for item in [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping):
            continue
        effect = item.get("Effect")
        if effect not in ("Allow", "Deny"):
            continue
        not_actions = "NotAction" in item
        not_resources = "NotResource" in item
        condition = item.get("Condition") or {}
        yield Statement(
            effect,
            _Matcher(_strings(item.get("NotAction" if not_actions else "Action")), fold=True),
            not_actions,
            _Matcher(_strings(item.get("NotResource" if not_resources else "Resource")), fold=False),
            not_resources,
            condition if isinstance(condition, Mapping) else {"": {}},
            str(item.get("Sid", "")),
        )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []
