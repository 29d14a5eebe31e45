"""Which project files each function depends on, found statically (no user code runs).

A save of a file replaces the workers of exactly the functions whose handler module imports it, directly or
through other project modules; the others keep their warm workers. Imports inside functions count too, so
a lazily imported helper is still tracked. Modules outside the project (site-packages) are ignored.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".squall",
        ".venv",
        "venv",
        "__pycache__",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
    }
)


def module_name(root: Path, path: Path) -> str:
    relative = path.relative_to(root).with_suffix("")
    parts = list(relative.parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files(root: Path) -> Iterable[Path]:
    for path in root.rglob("*.py"):
        if not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
            yield path


def imported_names(path: Path, module: str) -> set[str]:
    """Absolute names ``path`` imports (``a.b`` and, for ``from a import b``, also ``a.b``)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, OSError, UnicodeDecodeError, ValueError):
        return set()
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".") if package else []
                keep = len(base_parts) - (node.level - 1)
                if keep < 0:
                    continue
                base = ".".join(base_parts[:keep])
                target = f"{base}.{node.module}" if node.module and base else (node.module or base)
            else:
                target = node.module or ""
            if target:
                names.add(target)
                names.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


class ImportGraph:
    """Project modules and the project modules each imports; refreshed per file on change."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.files: dict[str, Path] = {}
        self.edges: dict[str, set[str]] = {}
        for path in project_files(self.root):
            self.files[module_name(self.root, path)] = path
        for module in list(self.files):
            self._scan(module)

    def _scan(self, module: str) -> None:
        names = imported_names(self.files[module], module)
        resolved: set[str] = set()
        for name in names:
            # `import a.b.c` also imports a and a.b
            parts = name.split(".")
            for end in range(1, len(parts) + 1):
                candidate = ".".join(parts[:end])
                if candidate in self.files and candidate != module:
                    resolved.add(candidate)
        self.edges[module] = resolved

    def refresh(self, path: Path) -> None:
        """Re-read one changed, added or deleted file."""
        path = path.resolve()
        try:
            module = module_name(self.root, path)
        except ValueError:
            return
        if path.is_file():
            new = module not in self.files
            self.files[module] = path
            if new:
                for other in list(self.files):
                    self._scan(other)
            else:
                self._scan(module)
        elif module in self.files:
            del self.files[module]
            self.edges.pop(module, None)

    def closure(self, module: str) -> set[Path]:
        """The files ``module`` depends on, itself included."""
        seen: set[str] = set()
        stack = [module]
        while stack:
            current = stack.pop()
            if current in seen or current not in self.files:
                continue
            seen.add(current)
            stack.extend(self.edges.get(current, ()))
        return {self.files[name] for name in seen}
