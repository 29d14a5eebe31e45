from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from squall.deploy.packaging import Builder, PackageSpec, requirements_of

SPEC = PackageSpec(code_root=".", runtime="python3.12", architecture="x86_64", target="local")


def project(root: Path) -> Path:
    files = {
        "squall.config.py": "# config\n",
        "functions/a.py": "def handler(event, context):\n    return 1\n",
        "functions/__pycache__/a.cpython-311.pyc": "x",
        "lib/util.py": "X = 1\n",
        "lib/stale.pyc": "x",
        ".venv/lib/site.py": "x",
        "venv/x.py": "x",
        ".git/HEAD": "x",
        "node_modules/m/index.js": "x",
        ".mypy_cache/x": "x",
        ".pytest_cache/x": "x",
        "tests/test_a.py": "x",
        ".squall/stage": "dev",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def names(path: str) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_package_holds_the_code_and_the_sdk_but_not_tooling_folders(tmp_path: Path) -> None:
    artifact = Builder(project(tmp_path / "p")).package(SPEC)
    assert names(artifact.path) == sorted(names(artifact.path))
    assert set(names(artifact.path)) == {
        "functions/a.py",
        "lib/util.py",
        "squall/__init__.py",
        "squall/binding/__init__.py",
        "squall/binding/resource.py",
        *(
            f"squall/binding/clients/{name}.py"
            for name in ("__init__", "aws", "base", "bucket", "errors", "expressions", "queue", "secret")
        ),
        *(f"squall/binding/clients/{name}.py" for name in ("table", "topic", "values")),
    }


def test_same_inputs_give_the_same_bytes_in_another_folder_and_time(tmp_path: Path) -> None:
    first = Builder(project(tmp_path / "one")).package(SPEC)
    second_root = project(tmp_path / "two")
    (second_root / "functions" / "a.py").touch()
    second = Builder(second_root).package(SPEC)
    assert first.sha256 == second.sha256
    assert Path(first.path).read_bytes() == Path(second.path).read_bytes()


def test_a_changed_file_changes_the_hash_and_the_cache_is_reused_otherwise(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    builder = Builder(root)
    first = builder.package(SPEC)
    again = builder.package(SPEC)
    assert again == first
    (root / "functions" / "a.py").write_text("def handler(e, c):\n    return 2\n", encoding="utf-8")
    changed = builder.package(SPEC)
    assert changed.sha256 != first.sha256
    assert len(list((root / ".squall" / "build").glob("*.zip"))) == 2


def test_the_sdk_in_the_package_imports_with_the_stdlib_only(tmp_path: Path) -> None:
    artifact = Builder(project(tmp_path / "p")).package(SPEC)
    code = "import squall; from squall import Resource; print(squall.__file__, type(Resource).__name__)"
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {artifact.path!r}); {code}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(artifact.path)


def test_dependencies_are_installed_once_and_packaged(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    (root / "requirements.txt").write_text("# deps\nrequests==2.0  # pinned\n\n", encoding="utf-8")
    assert requirements_of(root) == ["requests==2.0"]
    installs: list[tuple[list[str], PackageSpec]] = []

    def installer(requirements: list[str], folder: Path, spec: PackageSpec) -> None:
        installs.append((requirements, spec))
        (folder / "requests").mkdir()
        (folder / "requests" / "__init__.py").write_text("", encoding="utf-8")

    builder = Builder(root, installer=installer)
    first = builder.package(SPEC)
    Builder(root, installer=installer).package(SPEC)
    assert len(installs) == 1
    assert "requests/__init__.py" in names(first.path)
    assert not any(name.startswith(".squall") for name in names(first.path))


def test_pyproject_dependencies_are_used_without_requirements_txt(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname="x"\ndependencies=["attrs>=23"]\n', encoding="utf-8"
    )
    assert requirements_of(tmp_path) == ["attrs>=23"]
