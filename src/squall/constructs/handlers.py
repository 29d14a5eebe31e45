"""Handler strings (``"functions/shorten.handler"``) and checking them without importing user code."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HandlerRef:
    """``functions/shorten.handler`` → module path ``functions/shorten``, attribute ``handler``."""

    module_path: str
    attribute: str

    @classmethod
    def parse(cls, handler: str) -> HandlerRef | None:
        module, dot, attribute = handler.rpartition(".")
        if not dot or not module or not attribute.isidentifier():
            return None
        module = module.removesuffix(".py")
        if "/" not in module:
            module = module.replace(".", "/")
        parts = module.split("/")
        if not all(part.isidentifier() for part in parts):
            return None
        return cls(module, attribute)

    @property
    def module(self) -> str:
        """The dotted module name Lambda's Python runtime imports."""
        return self.module_path.replace("/", ".")

    def source_file(self, root: Path) -> Path | None:
        for candidate in (root / f"{self.module_path}.py", root / self.module_path / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None


def defines(source: str, filename: str, name: str) -> bool | SyntaxError:
    """Whether a module's top level defines ``name``: by def, assignment or import. Never imports it."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return exc
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return True
        if (
            isinstance(node, ast.AnnAssign | ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            return True
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*" or (alias.asname or alias.name.split(".")[0]) == name:
                    return True
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            return True
    return False
