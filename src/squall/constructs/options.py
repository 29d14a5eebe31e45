"""Strict options: every dict a construct takes is checked against its ``TypedDict``, every keyword against
its signature, with the closest valid name suggested and the user's own line.

The ``TypedDict``s and the signatures in the construct modules are the only lists of valid names: the check
reads them through ``typing.get_type_hints`` and walks a value along its annotation (a ``TypedDict``'s keys,
a ``Mapping``'s values, a sequence's items, the alternative of a union that fits the value best).

Every construct's ``__init__`` is wrapped by ``Construct.__init_subclass__``; the other methods that take
options (``add_routes``, ``bind``, ``set_default_function_props``) are marked ``@strict_options``. The
outermost wrapped call checks; calls it makes itself (an ``Api`` making its routes' functions) are not
checked again. The call's source is read with ``ast`` so a problem
inside a dict literal points at the line of its key, not at the line that opens the call.
"""

from __future__ import annotations

import ast
import difflib
import functools
import inspect
import os
import sys
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from squall.constructs.location import SourceLocation, user_frame
from squall.errors import ConfigError, SquallError, ValidationErrors

F = TypeVar("F", bound=Callable[..., Any])

_ACTIVE: ContextVar[CallSite | None] = ContextVar("squall_strict_call", default=None)


@dataclass(frozen=True)
class CallSite:
    """Where a construct was called from, with the syntax of each argument when the source is readable."""

    location: SourceLocation
    arguments: Mapping[str, ast.expr] = field(default_factory=dict)

    def line_of(self, *path: object) -> SourceLocation:
        """The line of ``path`` (an argument name, then dict keys) as deep as dict literals reach."""
        if not path:
            return self.location
        node: ast.expr | None = self.arguments.get(str(path[0]))
        if node is None:
            return self.location
        line = node.lineno
        for key in path[1:]:
            if not isinstance(node, ast.Dict):
                break
            found = None
            for key_node, value_node in zip(node.keys, node.values, strict=True):
                if isinstance(key_node, ast.Constant) and key_node.value == key:
                    found = (key_node, value_node)
            if found is None:
                break
            line, node = found[0].lineno, found[1]
        return SourceLocation(self.location.file, line)


def current_call_site() -> CallSite:
    """The call being checked (set while a wrapped call runs), else the user's current line."""
    site = _ACTIVE.get()
    if site is not None:
        return site
    frame = user_frame()
    return CallSite(SourceLocation(frame.f_code.co_filename, frame.f_lineno) if frame else _UNKNOWN)


_UNKNOWN = SourceLocation("<unknown>", 0)


# -- reading the user's call ----------------------------------------------------------------------

Position = tuple[int, int | None, int | None, int | None]
_CALLS: dict[str, tuple[tuple[int, int], dict[Position, ast.Call]]] = {}


def _calls(filename: str) -> dict[Position, ast.Call]:
    """Every call in a source file by its position, parsed once per version of the file."""
    try:
        stat = os.stat(filename)
    except OSError:
        return {}
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _CALLS.get(filename)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        tree = ast.parse(Path(filename).read_bytes(), filename)
    except (SyntaxError, ValueError, OSError):
        tree = ast.Module(body=[], type_ignores=[])
    calls: dict[Position, ast.Call] = {
        (node.lineno, node.end_lineno, node.col_offset, node.end_col_offset): node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    _CALLS[filename] = (stamp, calls)
    return calls


def _call_node(frame: types.FrameType) -> ast.Call | None:
    """The ``ast.Call`` the frame is executing, matched by the instruction's source position."""
    positions = list(frame.f_code.co_positions())
    index = frame.f_lasti // 2
    if not 0 <= index < len(positions) or positions[index][0] is None:
        return None
    line, end_line, column, end_column = positions[index]
    return _calls(frame.f_code.co_filename).get((line or 0, end_line, column, end_column))


def call_site(signature: inspect.Signature, *, method: bool) -> CallSite:
    """The user's call of a function with ``signature``, each argument name mapped to its syntax."""
    frame = user_frame()
    if frame is None:
        return CallSite(_UNKNOWN)
    location = SourceLocation(frame.f_code.co_filename, frame.f_lineno)
    node = _call_node(frame)
    if node is None:
        return CallSite(location)
    names = [
        p.name
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ][1 if method else 0 :]
    arguments: dict[str, ast.expr] = {}
    for name, value in zip(names, node.args, strict=False):
        if isinstance(value, ast.Starred):
            break
        arguments[name] = value
    for keyword in node.keywords:
        if keyword.arg is not None:
            arguments[keyword.arg] = keyword.value
    return CallSite(SourceLocation(location.file, node.lineno), arguments)


# -- walking a value along its annotation ------------------------------------------------------------


@dataclass(frozen=True)
class UnknownKey:
    path: tuple[object, ...]
    """The argument name, then the keys down to the dict that has the unknown key."""
    key: object
    valid: tuple[str, ...]

    def describe(self) -> str:
        head, *rest = self.path
        return str(head) + "".join(f"[{k!r}]" for k in rest)


def closest(name: object, valid: Sequence[str]) -> str | None:
    matches = difflib.get_close_matches(str(name), list(valid), n=1, cutoff=0.6)
    return matches[0] if matches else None


def typed_keys(typed_dict: Any) -> dict[str, Any]:
    """A ``TypedDict``'s keys (required and optional) and their resolved types."""
    try:
        return typing.get_type_hints(typed_dict)
    except (NameError, TypeError):
        keys = getattr(typed_dict, "__required_keys__", frozenset()) | getattr(
            typed_dict, "__optional_keys__", frozenset()
        )
        return dict.fromkeys(keys, Any)


def _alternatives(annotation: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        flat: list[Any] = []
        for argument in typing.get_args(annotation):
            flat.extend(_alternatives(argument))
        return tuple(flat)
    return (annotation,)


def _fit(value: Mapping[Any, Any], typed_dict: Any) -> tuple[int, float]:
    """How well a dict fits a ``TypedDict``: keys it knows, then how close the others come."""
    keys = typed_keys(typed_dict)
    known = sum(1 for key in value if key in keys)
    closeness = sum(
        max((difflib.SequenceMatcher(None, str(key), k).ratio() for k in keys), default=0.0)
        for key in value
        if key not in keys
    )
    return known, closeness


def unknown_keys(value: object, annotation: Any, path: tuple[object, ...]) -> Iterator[UnknownKey]:
    """Every key of a dict inside ``value`` that its ``TypedDict`` does not declare."""
    alternatives = _alternatives(annotation)
    if len(alternatives) > 1:
        if isinstance(value, Mapping):
            typed = [a for a in alternatives if typing.is_typeddict(a)]
            if typed:
                best = max(typed, key=lambda a: _fit(value, a))
                yield from unknown_keys(value, best, path)
                return
        for alternative in alternatives:
            if _accepts_container(alternative, value):
                yield from unknown_keys(value, alternative, path)
                return
        return
    if typing.is_typeddict(annotation):
        if not isinstance(value, Mapping):
            return
        keys = typed_keys(annotation)
        valid = tuple(k for k in keys if not k.startswith("_"))
        for key, item in value.items():
            if key in keys:
                yield from unknown_keys(item, keys[key], (*path, key))
            else:
                yield UnknownKey(path, key, valid)
        return
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin in (Mapping, dict, typing.Mapping) and len(arguments) == 2 and isinstance(value, Mapping):
        for key, item in value.items():
            yield from unknown_keys(item, arguments[1], (*path, key))
    elif origin in (Sequence, list, tuple) and arguments and isinstance(value, list | tuple):
        for item in value:
            yield from unknown_keys(item, arguments[0], path)


def _accepts_container(annotation: Any, value: object) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (Mapping, dict):
        return isinstance(value, Mapping)
    if origin in (Sequence, list, tuple):
        return isinstance(value, list | tuple)
    return False


# -- the wrapper -------------------------------------------------------------------------------------


def _hints(function: Callable[..., Any]) -> dict[str, Any]:
    """The parameters' resolved annotations; names only imported for type checking stand for ``Any``."""
    module = sys.modules.get(function.__module__)
    namespace = dict(vars(module)) if module else {}
    local: dict[str, Any] = {}
    for _ in range(20):
        try:
            return typing.get_type_hints(function, globalns=namespace, localns=local)
        except NameError as exc:
            if exc.name is None or exc.name in local:
                return {}
            local[exc.name] = Any
    return {}


def _unknown_keyword_message(owner: str, name: str, valid: Sequence[str]) -> tuple[str, str]:
    suggestion = closest(name, valid)
    message = f"{owner}: unknown option `{name}`" + (f"; did you mean `{suggestion}`?" if suggestion else "")
    return message, f"{owner.split(' ')[0]}'s options: {', '.join(valid)}"


def key_error(owner: str, problem: UnknownKey, where: SourceLocation) -> ConfigError:
    suggestion = closest(problem.key, problem.valid)
    message = f"{owner}: unknown key `{problem.key}` in {problem.describe()}" + (
        f"; did you mean `{suggestion}`?" if suggestion else ""
    )
    return ConfigError(message, where=str(where), hint=f"valid keys: {', '.join(sorted(problem.valid))}")


def strict_options(function: F) -> F:
    """Check a construct method's keyword names and dict options; report problems on the construct."""
    signature = inspect.signature(function)
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    public = tuple(
        n for n in list(signature.parameters)[1:] if not n.startswith("_") and n not in ("stack", "id")
    )
    hints: dict[str, Any] | None = None

    @functools.wraps(function)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal hints
        if _ACTIVE.get() is not None:
            return function(self, *args, **kwargs)
        site = call_site(signature, method=True)
        ident = getattr(self, "id", None) or (args[1] if len(args) > 1 else kwargs.get("id"))
        kind = getattr(self, "kind", type(self).__name__)
        owner = f"{kind} {ident!r}" if isinstance(ident, str) else kind
        errors: list[ConfigError] = []
        if not accepts_any:
            for name in [n for n in kwargs if n not in signature.parameters]:
                message, hint = _unknown_keyword_message(owner, name, public)
                errors.append(ConfigError(message, where=str(site.line_of(name)), hint=hint))
                del kwargs[name]
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as exc:
            raise ConfigError(
                f"{owner}: {exc}", where=str(site.location), hint=f"options: {', '.join(public)}"
            ) from None
        if hints is None:
            hints = _hints(function)
        for name, value in bound.arguments.items():
            if name in hints and value is not None:
                for problem in unknown_keys(value, hints[name], (name,)):
                    where = site.line_of(*problem.path, problem.key)
                    errors.append(key_error(owner, problem, where))
        token = _ACTIVE.set(site)
        try:
            result = function(self, *args, **kwargs)
        finally:
            _ACTIVE.reset(token)
        report = getattr(self, "option_errors", None)
        if isinstance(report, list):
            report.extend(errors)
        elif errors:
            raise errors[0] if len(errors) == 1 else _several(errors)
        return result

    wrapper.__squall_strict__ = True  # type: ignore[attr-defined]
    return typing.cast(F, wrapper)


def _several(errors: list[ConfigError]) -> SquallError:
    return ValidationErrors(errors)
