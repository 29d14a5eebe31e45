"""Values checked against botocore's service models, as the services check them.

botocore ships each service's model: for every operation an input shape of typed members with
AWS's own constraints (required members, ``min``/``max`` lengths and values, ``enum`` sets, ``pattern``
regexes). ``compile_input`` turns an operation's input shape, once, into a tree of small ``Spec``
nodes; ``check`` walks a decoded request body against it with an explicit stack (no recursion, so a
hostile nesting depth costs a loop, not the interpreter's stack).

Two kinds of problem, as AWS reports them:

- a value of the wrong JSON type cannot be deserialized: one ``Malformed`` message, in the wording of
  AWS's deserializer (``Start of list found where not expected``, ``class java.lang.Boolean can not be
  converted to an String``);
- a well-typed value that breaks a constraint: every violation is collected, each worded as AWS words
  it (``Value 'x' at 'tableName' failed to satisfy constraint: Member must have length greater than or
  equal to 3``), member paths in AWS's form (``transactItems.1.member.put.item``).

Patterns are Java regexes, matched whole; the few that Python's ``re`` cannot compile (Unicode
property classes such as ``\\p{L}``) are not checked.
"""

from __future__ import annotations

import binascii
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from botocore.model import Shape

SCALARS = frozenset({"string", "integer", "long", "float", "double", "boolean", "blob", "timestamp"})
_JAVA_TARGET = {
    "string": "String",
    "integer": "Integer",
    "long": "Long",
    "float": "Float",
    "double": "Double",
    "boolean": "Boolean",
    "blob": "ByteBuffer",
    "timestamp": "Date",
}
_RENDER_LIMIT = 2048
_NUMBERS = frozenset({int, float})  # bool is not among them: type(True) is bool
_ACCEPTS: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "blob": frozenset({str}),
    "integer": _NUMBERS,
    "long": _NUMBERS,
    "float": _NUMBERS,
    "double": _NUMBERS,
    "boolean": frozenset({bool}),
    "timestamp": frozenset({int, float, str}),
}


@dataclass(eq=False)
class Spec:
    """One shape of a service model, reduced to what validation needs."""

    kind: str
    name: str
    members: dict[str, Member] = field(default_factory=dict)
    required: tuple[Member, ...] = ()
    element: Spec | None = None  # a list's member, a map's value
    key: Spec | None = None  # a map's key
    min: float | None = None
    max: float | None = None
    enum: frozenset[str] | None = None
    enum_text: str = ""
    pattern: re.Pattern[str] | None = None
    pattern_text: str = ""
    sensitive: bool = False
    constrained: bool = False
    accepts: frozenset[type] = frozenset()  # a scalar's JSON types (blobs are also base64-checked)


@dataclass(frozen=True, eq=False)
class Member:
    wire: str  # the member's name on the wire: its JSON key, or its query parameter
    label: str  # the name AWS uses in messages (lowerCamelCase)
    spec: Spec
    location: str  # "" (body), "uri", "querystring", "header", "headers"
    location_name: str  # its name in that location (or in a query-protocol request)


@dataclass(frozen=True)
class Malformed:
    message: str


@dataclass(frozen=True)
class Invalid:
    violations: list[str]


Problem = Malformed | Invalid


class Compiler:
    """Specs for one service model; each shape is compiled once (recursive shapes share one Spec)."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._done: dict[str, Spec] = {}

    def spec(self, shape: Shape) -> Spec:
        found = self._done.get(shape.name)
        if found is not None:
            return found
        kind = "document" if shape.metadata.get("document") else shape.type_name
        spec = Spec(kind, shape.name, sensitive=bool(shape.metadata.get("sensitive")))
        self._done[shape.name] = spec
        meta = shape.metadata
        spec.min = meta.get("min")
        spec.max = meta.get("max")
        enum = meta.get("enum")
        if kind == "string" and enum:
            spec.enum = frozenset(enum)
            spec.enum_text = ", ".join(enum)
        if "pattern" in meta and kind == "string":
            spec.pattern = _compile(meta["pattern"])
            spec.pattern_text = meta["pattern"] if spec.pattern is not None else ""
        spec.constrained = any(value is not None for value in (spec.min, spec.max, spec.enum, spec.pattern))
        spec.accepts = _ACCEPTS.get(kind, frozenset())
        if kind == "structure":
            required = set(getattr(shape, "required_members", ()))
            members = []
            for name, member_shape in shape.members.items():  # type: ignore[attr-defined]
                serialization = member_shape.serialization
                wire = str(serialization.get("name", name))  # how botocore's serializers name it
                members.append(
                    Member(
                        wire,
                        name[:1].lower() + name[1:],
                        self.spec(member_shape),
                        str(serialization.get("location", "")),
                        wire,
                    )
                )
            spec.members = {m.wire: m for m in members}
            spec.required = tuple(m for m in members if m.wire in required)
        elif kind == "list":
            spec.element = self.spec(shape.member)  # type: ignore[attr-defined]
        elif kind == "map":
            spec.key = self.spec(shape.key)  # type: ignore[attr-defined]
            spec.element = self.spec(shape.value)  # type: ignore[attr-defined]
        return spec


def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.ASCII)  # Java's \w and \d are ASCII too
    except re.error:
        return None


def check(spec: Spec, value: Any, service: str, prefix: str = "") -> Problem | None:
    """The first deserialization problem of ``value``, or every constraint it breaks, or None.

    ``prefix`` is put before top-level member names in messages (API Gateway's ``createRestApiInput.``).
    """
    violations: list[str] = []
    # (spec, value, path, whether the value's own constraints were already judged by its container);
    # scalars are judged where they are found, without a trip through the stack
    stack: list[tuple[Spec, Any, str, bool]] = [(spec, value, "", False)]
    while stack:
        spec, value, path, judged = stack.pop()
        kind = spec.kind
        if kind == "structure":
            if type(value) is not dict:
                return Malformed(_mismatch(spec, value))
            top = not path
            for key, item in value.items():
                member = spec.members.get(key)
                if member is None or item is None:
                    continue
                child = member.spec
                if child.accepts:
                    problem = _scalar(child, item)
                    if problem is not None:
                        return problem
                    if child.constrained:
                        label = prefix + member.label if top else f"{path}.{member.label}"
                        violations.extend(_violations(child, item, label, service))
                elif child.kind != "document":
                    label = prefix + member.label if top else f"{path}.{member.label}"
                    stack.append((child, item, label, False))
            for member in spec.required:
                if value.get(member.wire) is None:
                    violations.append(_null(prefix + member.label if top else f"{path}.{member.label}"))
            continue
        if kind == "document":
            continue
        if spec.accepts:
            problem = _scalar(spec, value)
            if problem is not None:
                return problem
            if spec.constrained and not judged:
                violations.extend(_violations(spec, value, path, service))
            continue
        is_list = kind == "list"
        if type(value) is not (list if is_list else dict):
            return Malformed(_mismatch(spec, value))
        if spec.constrained and not judged:
            violations.extend(_violations(spec, value, path, service))
        element = spec.element
        assert element is not None
        elements = value if is_list else cast(dict[str, Any], value).values()
        if not is_list:
            key = spec.key
            assert key is not None
            if key.constrained and value and _keys_violate(key, cast(dict[str, Any], value)):
                violations.append(
                    _failed(
                        value,
                        spec,
                        path,
                        service,
                        "Map keys must satisfy constraint: " + _all(key, nullable=True),
                    )
                )
        if element.accepts:
            nulls = False
            for item in elements:
                if item is None:
                    nulls = is_list
                    continue
                problem = _scalar(element, item)
                if problem is not None:
                    return problem
            if nulls or (
                element.constrained
                and any(item is not None and _violates(element, item) for item in elements)
            ):
                what = (
                    "Member must satisfy constraint: " if is_list else "Map value must satisfy constraint: "
                )
                violations.append(_failed(value, spec, path, service, what + _all(element)))
            continue
        if (
            element.constrained
            and element.kind != "structure"
            and any(item is not None and _violates(element, item) for item in elements)
        ):
            what = "Member must satisfy constraint: " if is_list else "Map value must satisfy constraint: "
            violations.append(_failed(value, spec, path, service, what + _all(element)))
        if is_list:
            for index in range(len(value) - 1, -1, -1):
                if value[index] is not None:
                    stack.append((element, value[index], f"{path}.{index + 1}.member", True))
        else:
            for name, item in cast(dict[str, Any], value).items():
                if item is not None:
                    stack.append((element, item, f"{path}.{name}.member", True))
    return Invalid(violations) if violations else None


def _scalar(spec: Spec, value: Any) -> Malformed | None:
    """Whether a scalar has the JSON type its shape needs (and a blob is base64)."""
    if type(value) not in spec.accepts:
        return Malformed(_mismatch(spec, value))
    if spec.kind == "blob":
        try:
            binascii.a2b_base64(value, strict_mode=True)
        except binascii.Error:
            return Malformed("Base64 encoded data is malformed")
    return None


def _mismatch(spec: Spec, value: Any) -> str:
    if isinstance(value, dict):
        return "Start of structure or map found where not expected"
    if isinstance(value, list):
        return "Start of list found where not expected"
    if spec.kind in ("structure", "map", "list"):
        return "Unexpected field type"
    java = (
        "java.lang.Boolean"
        if isinstance(value, bool)
        else "java.lang.String"
        if isinstance(value, str)
        else "com.amazon.coral.value.json.numbers.TruncatingBigNumber"
    )
    return f"class {java} can not be converted to an {_JAVA_TARGET.get(spec.kind, spec.kind)}"


def _keys_violate(key: Spec, keys: dict[str, Any]) -> bool:
    if key.pattern is None and key.enum is None:  # lengths only: judged in C, not key by key
        lengths = [len(k) for k in keys]
        return (key.max is not None and max(lengths) > key.max) or (
            key.min is not None and min(lengths) < key.min
        )
    return any(_violates(key, k) for k in keys)


def _violates(spec: Spec, value: Any) -> bool:
    """Whether ``value`` breaks any constraint (the fast path: no messages)."""
    kind = spec.kind
    if kind in ("integer", "long", "float", "double"):
        if not isinstance(value, int | float):
            return False
        return (spec.max is not None and value > spec.max) or (spec.min is not None and value < spec.min)
    if kind not in ("string", "list", "map", "blob"):
        return False
    size = _length(spec, value)
    if (spec.max is not None and size > spec.max) or (spec.min is not None and size < spec.min):
        return True
    if kind != "string" or not isinstance(value, str):
        return False
    if spec.enum is not None and value not in spec.enum:
        return True
    return spec.pattern is not None and spec.pattern.fullmatch(value) is None


def _broken(spec: Spec, value: Any) -> Iterator[str]:
    """The constraints ``value`` breaks, each as AWS words it."""
    kind = spec.kind
    if kind == "string" and isinstance(value, str):
        if spec.pattern is not None and spec.pattern.fullmatch(value) is None:
            yield f"Member must satisfy regular expression pattern: {spec.pattern_text}"
        if spec.enum is not None and value not in spec.enum:
            yield f"Member must satisfy enum value set: [{spec.enum_text}]"
    if kind in ("string", "list", "map", "blob"):
        size = _length(spec, value)
        if spec.max is not None and size > spec.max:
            yield f"Member must have length less than or equal to {_number(spec.max, 'integer')}"
        if spec.min is not None and size < spec.min:
            yield f"Member must have length greater than or equal to {_number(spec.min, 'integer')}"
    elif kind in ("integer", "long", "float", "double") and isinstance(value, int | float):
        if spec.max is not None and value > spec.max:
            yield f"Member must have value less than or equal to {_number(spec.max, kind)}"
        if spec.min is not None and value < spec.min:
            yield f"Member must have value greater than or equal to {_number(spec.min, kind)}"


def _length(spec: Spec, value: Any) -> int:
    if spec.kind == "blob" and isinstance(value, str):  # base64 on the wire; the limit is on the bytes
        return len(value) * 3 // 4 - value[-2:].count("=")
    return len(value)


def _violations(spec: Spec, value: Any, path: str, service: str) -> list[str]:
    if not _violates(spec, value):
        return []
    return [_failed(value, spec, path, service, broken) for broken in _broken(spec, value)]


def violations(spec: Spec, value: Any, path: str, service: str) -> list[str]:
    """The constraints a scalar ``value`` (already of the right type) breaks, as messages."""
    return _violations(spec, value, path, service) if spec.constrained else []


def _all(spec: Spec, nullable: bool = False) -> str:
    """Every constraint of a list's or map's member, as AWS lists them when one element breaks one."""
    parts: list[str] = []
    if spec.kind in ("string", "list", "map", "blob"):
        if spec.max is not None:
            parts.append(f"Member must have length less than or equal to {_number(spec.max, 'integer')}")
        if spec.min is not None:
            parts.append(f"Member must have length greater than or equal to {_number(spec.min, 'integer')}")
    else:
        if spec.max is not None:
            parts.append(f"Member must have value less than or equal to {_number(spec.max, spec.kind)}")
        if spec.min is not None:
            parts.append(f"Member must have value greater than or equal to {_number(spec.min, spec.kind)}")
    if spec.pattern is not None:
        parts.append(f"Member must satisfy regular expression pattern: {spec.pattern_text}")
    if spec.enum is not None:
        parts.append(f"Member must satisfy enum value set: [{spec.enum_text}]")
    if spec.kind in SCALARS and not nullable:
        parts.append("Member must not be null")
    return "[" + ", ".join(parts) + "]"


def _null(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


def _failed(value: Any, spec: Spec, path: str, service: str, constraint: str) -> str:
    if spec.sensitive:
        return f"Value at '{path}' failed to satisfy constraint: {constraint}"
    return f"Value '{render(value, spec, service)}' at '{path}' failed to satisfy constraint: {constraint}"


def _number(value: float, kind: str) -> str:
    if kind in ("float", "double"):
        return repr(float(value))
    return str(int(value)) if float(value).is_integer() else repr(value)


def render(value: Any, spec: Spec | None, service: str) -> str:
    """``value`` as the Java services print it in messages (``[a, b]``, ``{k=v}``), bounded in length."""
    text = _render(value, spec, service)
    return text if len(text) <= _RENDER_LIMIT else text[:_RENDER_LIMIT] + "..."


def _render(value: Any, spec: Spec | None, service: str) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return _number(value, spec.kind if spec is not None else "integer")
    element = spec.element if spec is not None else None
    if isinstance(value, list):
        return "[" + ", ".join(_render(item, element, service) for item in value[:200]) + "]"
    if isinstance(value, dict):
        if spec is not None and spec.kind == "structure":
            if service.startswith("dynamodb"):
                digest = zlib.crc32(repr(sorted(value.items(), key=lambda kv: kv[0])).encode())
                return f"com.amazonaws.dynamodb.v20120810.{spec.name}@{digest:08x}"
            fields = ", ".join(
                f"{m.label}={_render(value.get(m.wire), m.spec, service)}" for m in spec.members.values()
            )
            return f"{spec.name}({fields})"
        return (
            "{" + ", ".join(f"{k}={_render(v, element, service)}" for k, v in list(value.items())[:200]) + "}"
        )
    return str(value)
