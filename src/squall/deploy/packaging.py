"""The build step: each function's code as a deterministic zip, with no cloud call.

A package holds the function's code root (the project folder, minus tooling and test folders and
``squall.config.py``), squall's
function-side SDK (``squall/__init__.py``, ``squall/binding/resource.py`` and ``squall/binding/clients``:
stdlib-only at import time) and the
project's dependencies installed with ``pip install --target`` for the target's platform. Entries are
sorted and timestamped 1980-01-01, so the same inputs give the same bytes and the same sha256.

Packages are cached under ``<project>/.squall/build/`` by a hash of their inputs: an unchanged function is
neither zipped again nor (since its sha256 matches ``CodeSha256``) uploaded again. Functions with the same
code root, runtime and architecture share one package.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from squall.deploy.errors import DeployError
from squall.deploy.providers.base import Artifact
from squall.graph.model import Graph
from squall.runtime.interpreters import find_interpreter

FORMAT = "squall-package-1"
EXCLUDED_DIRS = frozenset(
    {
        ".squall",
        ".venv",
        "venv",
        "__pycache__",
        ".git",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        "tests",
        ".ruff_cache",
    }
)
EXCLUDED_SUFFIXES = (".pyc", ".pyo")
SQUALL_SOURCE = Path(__file__).resolve().parent.parent
SDK_FILES = (
    "__init__.py",
    "binding/__init__.py",
    "binding/resource.py",
    *sorted(f"binding/clients/{p.name}" for p in (SQUALL_SOURCE / "binding" / "clients").glob("*.py")),
)
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
COMPLETE_MARKER = ".squall-complete"
CONFIG_FILE = "squall.config.py"


@dataclass(frozen=True)
class PackageSpec:
    code_root: str
    runtime: str
    architecture: str
    target: str


Installer = Callable[[list[str], Path, PackageSpec], None]
"""``(requirements, folder, spec)``: install the requirements into ``folder`` for ``spec``."""


def pip_install(requirements: list[str], folder: Path, spec: PackageSpec) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(folder),
    ]
    if spec.target == "aws":
        arch = "aarch64" if spec.architecture == "arm64" else "x86_64"
        version = spec.runtime.removeprefix("python")
        command += [
            "--platform",
            f"manylinux2014_{arch}",
            "--only-binary=:all:",
            "--python-version",
            version,
            "--implementation",
            "cp",
        ]
    elif local_python(spec.runtime) != _own_python():
        # The local cloud runs the function on its runtime's interpreter: wheels for that version.
        command += [
            "--only-binary=:all:",
            "--python-version",
            local_python(spec.runtime),
            "--implementation",
            "cp",
        ]
    result = subprocess.run([*command, *requirements], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DeployError(
            f"installing the functions' dependencies failed: {result.stderr.strip()[-2000:]}",
            hint="check requirements.txt (for target aws, every package needs a manylinux wheel)",
        )


def _own_python() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def local_python(runtime: str) -> str:
    """The Python version a function of ``runtime`` runs on locally (``interpreters.find_interpreter``)."""
    return find_interpreter(runtime).version_text


def requirements_of(root: Path) -> list[str]:
    """The project's dependencies: ``requirements.txt``, else ``pyproject.toml``'s ``[project]``."""
    text_file = root / "requirements.txt"
    if text_file.is_file():
        lines = text_file.read_text(encoding="utf-8").splitlines()
        return [
            line.split(" #")[0].strip()
            for line in lines
            if line.strip() and not line.lstrip().startswith("#")
        ]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        return [str(item) for item in data.get("project", {}).get("dependencies", [])]
    return []


def walk(root: Path) -> Iterator[tuple[str, Path]]:
    """``(archive name, path)`` of every file to package under ``root``, sorted, exclusions skipped."""
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in EXCLUDED_DIRS and not d.endswith(".egg-info"))
        for name in files:
            if name.endswith(EXCLUDED_SUFFIXES):
                continue
            path = Path(folder) / name
            found.append((path.relative_to(root).as_posix(), path))
    yield from sorted(found)


def sdk_files() -> list[tuple[str, Path]]:
    return [(f"squall/{name}", SQUALL_SOURCE / name) for name in SDK_FILES]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_zip(entries: list[tuple[str, Path]], destination: Path) -> None:
    """A zip of ``entries`` whose bytes depend only on their names and contents."""
    seen: set[str] = set()
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, path in sorted(entries):
            if name in seen:
                continue
            seen.add(name)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            archive.writestr(info, path.read_bytes())


class Builder:
    """Builds (or finds in the cache) the package of each function in a graph."""

    def __init__(self, project_root: Path, *, installer: Installer = pip_install) -> None:
        self.root = project_root
        self.cache = project_root / ".squall" / "build"
        self.installer = installer

    def build(self, graph: Graph, target: str) -> dict[str, Artifact]:
        """Package of each ``AWS::Lambda::Function`` by its logical id."""
        by_spec: dict[PackageSpec, Artifact] = {}
        result: dict[str, Artifact] = {}
        for resource in graph.of_type("AWS::Lambda::Function"):
            spec = PackageSpec(
                code_root=str(resource.metadata.get("code_root", ".")),
                runtime=str(resource.properties.get("Runtime", "python3.12")),
                architecture=str((resource.properties.get("Architectures") or ["x86_64"])[0]),
                target=target,
            )
            if spec not in by_spec:
                by_spec[spec] = self.package(spec)
            result[resource.logical_id] = by_spec[spec]
        return result

    def package(self, spec: PackageSpec) -> Artifact:
        code_root = (self.root / spec.code_root).resolve()
        if not code_root.is_dir():
            raise DeployError(f"code root {spec.code_root!r} is not a folder under {self.root}")
        # the app's definition is not function code (it needs squall's definition side, never packaged),
        # and editing it must not redeploy every function
        entries = [item for item in walk(code_root) if item[0] != CONFIG_FILE]
        entries += sdk_files()
        requirements = requirements_of(self.root)
        deps = self._dependencies(requirements, spec) if requirements else None
        if deps is not None:
            entries = [*(item for item in walk(deps) if item[0] != COMPLETE_MARKER), *entries]
        digest = hashlib.sha256(FORMAT.encode())
        digest.update(repr((spec.runtime, spec.architecture, spec.target, requirements)).encode())
        for name, path in entries:
            digest.update(f"\0{name}\0{file_digest(path)}".encode())
        key = digest.hexdigest()[:32]
        zip_path = self.cache / f"{key}.zip"
        if not zip_path.is_file():
            self.cache.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.cache, suffix=".tmp", delete=False) as tmp:
                temporary = Path(tmp.name)
            try:
                write_zip(entries, temporary)
                os.replace(temporary, zip_path)
            finally:
                temporary.unlink(missing_ok=True)
        data = zip_path.read_bytes()
        return Artifact(str(zip_path), hashlib.sha256(data).hexdigest(), len(data))

    def dependencies(self, runtime: str) -> Path | None:
        """The project's dependencies installed for a local function of ``runtime`` (None: it declares none).

        The same cached folder the deploy package is built from: installed once per dependency set.
        """
        requirements = requirements_of(self.root)
        if not requirements:
            return None
        return self._dependencies(requirements, PackageSpec(".", runtime, "x86_64", "local"))

    def sdk_folder(self) -> Path:
        """A folder holding squall's function-side SDK as a package holds it (``squall/...``)."""
        entries = sdk_files()
        digest = hashlib.sha256(FORMAT.encode())
        for name, path in entries:
            digest.update(f"\0{name}\0{file_digest(path)}".encode())
        folder = self.cache / f"sdk-{digest.hexdigest()[:16]}"
        if folder.is_dir():
            return folder
        self.cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.cache))
        for name, path in entries:
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        try:
            os.replace(staging, folder)
        except OSError:  # made meanwhile by another process
            shutil.rmtree(staging, ignore_errors=True)
        return folder

    def _dependencies(self, requirements: list[str], spec: PackageSpec) -> Path:
        machine = platform.machine() if spec.target != "aws" else spec.architecture
        python = spec.runtime if spec.target == "aws" else f"python{local_python(spec.runtime)}"
        key = hashlib.sha256(repr((requirements, spec.target, machine, python)).encode()).hexdigest()[:24]
        folder = self.cache / "deps" / key
        if (folder / COMPLETE_MARKER).is_file():
            return folder
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent))
        try:
            self.installer(requirements, staging, spec)
            (staging / COMPLETE_MARKER).write_text("", encoding="utf-8")
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(staging, folder)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return folder
