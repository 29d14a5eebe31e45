"""Which project files each function depends on, found without running any of them."""

from __future__ import annotations

from pathlib import Path

from squall.dev.imports import ImportGraph


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_closure_follows_absolute_relative_and_lazy_imports(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "functions/__init__.py": "",
            "functions/a.py": "from functions import shared\nfrom .util import helper\n",
            "functions/b.py": "import functions.other\n\ndef handler(e, c):\n    import lazy\n",
            "functions/util.py": "def helper(): pass\n",
            "functions/shared.py": "import json\n",
            "functions/other.py": "",
            "lazy.py": "",
            "unrelated.py": "raise SystemExit('never run')\n",
            ".venv/lib/site.py": "",
        },
    )
    graph = ImportGraph(tmp_path)
    root = tmp_path.resolve()
    assert graph.closure("functions.a") == {
        root / "functions/a.py",
        root / "functions/__init__.py",
        root / "functions/shared.py",
        root / "functions/util.py",
    }
    assert root / "lazy.py" in graph.closure("functions.b")
    assert root / "functions/other.py" in graph.closure("functions.b")
    assert not any(".venv" in str(path) for path in graph.files.values())


def test_refresh_sees_new_imports_and_new_files(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "", "extra.py": ""})
    graph = ImportGraph(tmp_path)
    root = tmp_path.resolve()
    assert graph.closure("app") == {root / "app.py"}
    (tmp_path / "app.py").write_text("import extra\nimport later\n")
    graph.refresh(tmp_path / "app.py")
    assert graph.closure("app") == {root / "app.py", root / "extra.py"}
    (tmp_path / "later.py").write_text("")
    graph.refresh(tmp_path / "later.py")
    assert root / "later.py" in graph.closure("app")
    (tmp_path / "extra.py").unlink()
    graph.refresh(tmp_path / "extra.py")
    assert graph.closure("app") == {root / "app.py", root / "later.py"}


def test_a_syntax_error_does_not_break_the_graph(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "import (\n", "other.py": ""})
    assert ImportGraph(tmp_path).closure("app") == {tmp_path.resolve() / "app.py"}
