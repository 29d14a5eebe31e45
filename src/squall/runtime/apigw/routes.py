"""HTTP API route selection: which route key a (method, path) request goes to.

As API Gateway does, the most specific route wins. Paths are compared segment by segment from the left:
a literal segment beats ``{param}`` (one segment), which beats ``{proxy+}`` (the rest of the path, at least
one segment); among routes with the same path, an exact method beats ``ANY``. ``$default`` takes what
no other route matches. Path parameters are percent-decoded; ``%2F`` stays inside its segment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

DEFAULT_ROUTE = "$default"

_LITERAL, _PARAM, _GREEDY = 2, 1, 0


@dataclass(frozen=True)
class RouteMatch:
    route_key: str
    path_parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Route:
    key: str
    method: str  # upper case, or "ANY"
    segments: tuple[tuple[int, str], ...]  # (kind, literal text or parameter name)

    @classmethod
    def parse(cls, key: str) -> _Route:
        method, sep, path = key.strip().partition(" ")
        if not sep or not path.startswith("/"):
            raise ValueError(f"route key {key!r} is not 'METHOD /path' or '$default'")
        segments: list[tuple[int, str]] = []
        parts = path[1:].split("/") if path != "/" else []
        for i, part in enumerate(parts):
            if part.startswith("{") and part.endswith("+}"):
                if i != len(parts) - 1:
                    raise ValueError(f"route key {key!r}: a greedy {{name+}} must be the last segment")
                segments.append((_GREEDY, part[1:-2]))
            elif part.startswith("{") and part.endswith("}"):
                segments.append((_PARAM, part[1:-1]))
            else:
                segments.append((_LITERAL, part))
        return cls(key, method.upper(), tuple(segments))

    def match(self, method: str, parts: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """The match's rank (higher is more specific) and its parameters, or None."""
        if self.method != "ANY" and self.method != method:
            return None
        params: dict[str, str] = {}
        ranks: list[int] = []
        for i, (kind, text) in enumerate(self.segments):
            if kind == _GREEDY:
                rest = parts[i:]
                if not rest or rest == [""]:
                    return None
                params[text] = "/".join(rest)
                ranks.append(_GREEDY)
                break
            if i >= len(parts):
                return None
            if kind == _LITERAL:
                if parts[i] != text:
                    return None
            else:
                if parts[i] == "":
                    return None
                params[text] = parts[i]
            ranks.append(kind)
        else:
            if len(parts) != len(self.segments):
                return None
        ranks.append(1 if self.method != "ANY" else 0)
        return tuple(ranks), params


class RouteTable:
    """The routes of one API, parsed once; ``match`` is called per request."""

    def __init__(self, route_keys: Iterable[str]) -> None:
        self._routes: list[_Route] = []
        self._has_default = False
        for key in route_keys:
            if key.strip() == DEFAULT_ROUTE:
                self._has_default = True
            else:
                self._routes.append(_Route.parse(key))

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        parts = [unquote(p) for p in raw_path.split("?", 1)[0].split("/")[1:]]
        if parts == [""]:
            parts = []
        best: tuple[tuple[int, ...], _Route, dict[str, str]] | None = None
        upper = method.upper()
        for route in self._routes:
            found = route.match(upper, parts)
            if found is not None and (best is None or found[0] > best[0]):
                best = (found[0], route, found[1])
        if best is not None:
            return RouteMatch(best[1].key, best[2])
        if self._has_default:
            return RouteMatch(DEFAULT_ROUTE)
        return None


def select_route(route_keys: Iterable[str], method: str, raw_path: str) -> RouteMatch | None:
    """One-off form of ``RouteTable(route_keys).match(method, raw_path)``."""
    return RouteTable(route_keys).match(method, raw_path)
