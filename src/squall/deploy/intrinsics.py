"""Resolving the graph's intrinsic functions (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Join``,
``Fn::ToJsonString``) into plain values.

A value that depends on something not created yet resolves to ``UNKNOWN``; the planner treats a property
holding it as "known after apply" and the executor resolves it again once the dependency exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from squall.deploy.errors import DeployError

JSON = Any


class _Unknown:
    """A value only known once an earlier step has run."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "(known after apply)"

    def __deepcopy__(self, memo: dict[int, Any]) -> _Unknown:
        return self


UNKNOWN = _Unknown()

AttributeLookup = Callable[[str, str], "str | _Unknown"]
"""``(logical_id, attribute)`` → its value; ``attribute`` is ``"Ref"`` for ``{"Ref": ...}``."""

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def contains_unknown(value: JSON) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


class Resolver:
    """Resolves intrinsics against the account, the region and the attributes known so far."""

    def __init__(self, account_id: str, region: str, lookup: AttributeLookup) -> None:
        self.account_id = account_id
        self.region = region
        self.lookup = lookup

    def pseudo(self, name: str) -> str | None:
        return {
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }.get(name)

    def resolve(self, value: JSON) -> JSON:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self._ref(str(arg))
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.lookup(str(logical_id), str(attribute))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                return self._join(arg)
            if key == "Fn::ToJsonString":
                resolved = self.resolve(arg)
                if contains_unknown(resolved):
                    return UNKNOWN
                return json.dumps(resolved, separators=(",", ":"), sort_keys=True)
        return {key: self.resolve(item) for key, item in value.items()}

    def _ref(self, name: str) -> str | _Unknown:
        if name.startswith("AWS::"):
            found = self.pseudo(name)
            if found is None:
                raise DeployError(f"unknown pseudo parameter {name!r}")
            return found
        return self.lookup(name, "Ref")

    def _sub(self, arg: JSON) -> str | _Unknown:
        if isinstance(arg, list):
            template, variables = str(arg[0]), {k: self.resolve(v) for k, v in dict(arg[1]).items()}
        else:
            template, variables = str(arg), {}
        unknown = False

        def replace(match: re.Match[str]) -> str:
            nonlocal unknown
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                found: Any = variables[name]
            elif name.startswith("AWS::"):
                found = self.pseudo(name)
                if found is None:
                    raise DeployError(f"unknown pseudo parameter {name!r} in {template!r}")
            elif "." in name:
                logical_id, attribute = name.split(".", 1)
                found = self.lookup(logical_id, attribute)
            else:
                found = self.lookup(name, "Ref")
            if found is UNKNOWN:
                unknown = True
                return ""
            return str(found)

        result = _PLACEHOLDER.sub(replace, template)
        return UNKNOWN if unknown else result

    def _join(self, arg: JSON) -> str | _Unknown:
        separator, items = arg
        parts = [self.resolve(item) for item in items]
        if any(contains_unknown(part) for part in parts):
            return UNKNOWN
        return str(separator).join(str(part) for part in parts)
