"""How squall's packages depend on each other: no import cycles, and imports flow one way.

The graph is read from the source (every ``import``, at module level or inside a function, except those under
``if TYPE_CHECKING:``, which never run). Importing a module runs its parent packages first, so an import of
one's own package is not an edge.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

import squall

SRC = Path(squall.__file__).resolve().parent.parent

# (importer area, areas it must never import): the local cloud runs below everything the user drives, and the
# deployer talks to any cloud through boto3 alone, never through the console.
FORBIDDEN = {
    "cloud": {"console", "deploy", "cli", "dev", "host", "events"},
    "host": {"console", "deploy", "cli", "dev"},
    "events": {"console", "deploy", "cli", "dev"},
    "runtime": {"console", "deploy", "cli", "dev", "cloud", "host", "events"},
    "deploy": {"console", "cli", "dev", "host", "events"},
    "console": {"cli", "dev"},
}


def _module_name(path: Path, src: Path) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


@functools.cache
def import_graph(src: Path = SRC) -> dict[str, frozenset[str]]:
    """Each module of the ``squall`` package under ``src``, with the squall modules it imports when run."""
    modules = {_module_name(p, src): p for p in (src / "squall").rglob("*.py")}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, frozenset[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                targets = [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                found = resolve(target) if target.startswith("squall") else None
                if found and found != name and not name.startswith(found + "."):
                    edges.add(found)
        graph[name] = frozenset(edges)
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_there_are_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("importer", sorted(FORBIDDEN))
def test_imports_flow_one_way(importer: str) -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if _area(module) == importer
        for target in targets
        if _area(target) in FORBIDDEN[importer]
    )
    assert wrong == []


def test_the_checker_sees_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    package = tmp_path / "squall"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from squall.b import thing\n")
    (package / "b.py").write_text("def thing():\n    from squall import a\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from squall import a\n"
    )
    (package / "d.py").write_text("from squall import c\n")
    graph = import_graph(tmp_path)
    assert cycles(graph) == [["squall.a", "squall.b"]]
    assert graph["squall.c"] == frozenset()


def test_the_planner_knows_no_resource_type_by_name() -> None:
    for name in ("plan.py", "execute.py", "removal.py", "steps.py"):
        assert "AWS::" not in (SRC / "squall" / "deploy" / name).read_text(encoding="utf-8"), name
