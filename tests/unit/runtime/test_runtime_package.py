"""Package-level promises: explicit exports, and a worker that needs nothing but the standard library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from types import ModuleType

import pytest

import squall.runtime
import squall.runtime.apigw
from squall.runtime import worker


@pytest.mark.parametrize("module", [squall.runtime, squall.runtime.apigw])
def test_exports_are_complete_and_importable(module: ModuleType) -> None:
    public = {name for name in vars(module) if not name.startswith("_") and name != "annotations"}
    public -= {name for name, value in vars(module).items() if isinstance(value, ModuleType)}
    assert sorted(module.__all__) == sorted(public)


def test_worker_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(worker.__file__).read_text())
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - {"__future__"} <= sys.stdlib_module_names
