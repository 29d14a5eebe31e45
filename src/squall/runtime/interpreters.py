"""Which Python runs a function: the version its ``runtime`` names, found on this machine.

Lambda runs a ``python3.12`` function on Python 3.12; so does squall when that interpreter is here. It is
looked for, in order: the interpreter squall itself runs on (when its version matches), ``pythonX.Y`` on
``PATH`` (pyenv's shims skipped: they answer for versions that are not selected), pyenv's versions
(``$PYENV_ROOT/versions``), and uv's managed interpreters (``$UV_PYTHON_INSTALL_DIR``, else
``~/.local/share/uv/python``). Each candidate is asked its version before it is used. When none is found
the function runs on squall's own interpreter, and ``Interpreter.exact`` says so: the commands that
deploy and run functions tell the user once (``notice``).

Standard library only: the local cloud uses it as well as the CLI.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_RUNTIME = re.compile(r"python(\d+)\.(\d+)")


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: tuple[int, int]
    exact: bool
    """Whether ``version`` is the one the runtime names."""

    @property
    def version_text(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


def runtime_version(runtime: str) -> tuple[int, int] | None:
    match = _RUNTIME.fullmatch(runtime)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _candidates(major: int, minor: int) -> list[str]:
    name = f"python{major}.{minor}"
    found: list[str] = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder and "shims" not in Path(folder).parts:
            path = shutil.which(name, path=folder)
            if path:
                found.append(path)
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    uv = Path(os.environ.get("UV_PYTHON_INSTALL_DIR") or Path.home() / ".local" / "share" / "uv" / "python")
    for root, pattern in ((pyenv, f"{major}.{minor}.*"), (uv, f"cpython-{major}.{minor}.*")):
        if root.is_dir():
            for version_dir in sorted(root.glob(pattern), reverse=True):  # the newest patch release first
                binary = version_dir / "bin" / name
                if binary.is_file() and os.access(binary, os.X_OK):
                    found.append(str(binary))
    return found


def _version_of(path: str) -> tuple[int, int] | None:
    try:
        answer = subprocess.run(
            [path, "-I", "-S", "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        major, minor = answer.stdout.split()
        return int(major), int(minor)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


@functools.lru_cache(maxsize=16)
def find_interpreter(runtime: str) -> Interpreter:
    """The interpreter for ``runtime`` ("python3.12"), or squall's own when that version is not here."""
    own = (sys.version_info[0], sys.version_info[1])
    wanted = runtime_version(runtime)
    if wanted is None or wanted == own:
        return Interpreter(sys.executable, own, wanted is not None)
    for path in _candidates(*wanted):
        if _version_of(path) == wanted:
            return Interpreter(path, wanted, True)
    return Interpreter(sys.executable, own, False)


def notice(runtime: str, interpreter: Interpreter) -> str:
    """What to tell the user when ``runtime``'s interpreter was not found."""
    wanted = runtime.removeprefix("python")
    return (
        f"{runtime} is not installed on this machine: functions declared {runtime} run locally on "
        f"Python {interpreter.version_text} ({interpreter.path}). Install it to run them as on AWS, e.g. "
        f"`uv python install {wanted}` or `pyenv install {wanted}`."
    )
