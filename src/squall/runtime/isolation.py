"""What a function can import, as on AWS: its package, its declared dependencies, the runtime's libraries.

A worker is started with ``-I -S``: no ``site`` (so nothing of squall's virtualenv: no site-packages, no
``.pth`` files), no ``PYTHON*`` variables, no user site. Its ``sys.path`` is the function's code root, then
the folders named by ``_SQUALL_PATH`` (``worker.py`` adds them), then the standard library.

``provided_libraries`` is the folder that stands for the AWS Python runtime's own libraries (boto3,
botocore and what they need): links to the copies squall runs with, all pure Python, so they work under
any interpreter version. The deployed package brings the rest (the function's code, squall's
``Resource`` SDK and the dependencies, installed per dependency set by the build); ``squall dev`` puts the
same pieces on the path from the build's caches.

A debugger launcher (``-m debugpy``) must be importable before the worker runs: such a worker keeps the
environment's ``PYTHONPATH`` pointing at a folder that holds only debugpy.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
"""The import names of what the AWS Python runtime provides to every function."""

PATH_VARIABLE = "_SQUALL_PATH"
ISOLATED_FLAGS = ("-I", "-S")
LAUNCHER_FLAGS = ("-s", "-S")
"""For a worker run under a launcher: PYTHONPATH is honoured (it names the launcher's folder only)."""


def _origin(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    origin = Path(spec.origin)
    return origin.parent if origin.name == "__init__.py" else origin


def link_folder(cache: Path, names: tuple[str, ...], label: str) -> Path:
    """``cache/label-HASH``: a link to each importable ``names`` (package folder or module file)."""
    origins = {name: _origin(name) for name in names}
    found = {name: path for name, path in origins.items() if path is not None}
    key = hashlib.sha256(repr(sorted((n, str(p)) for n, p in found.items())).encode()).hexdigest()[:16]
    folder = cache / f"{label}-{key}"
    if folder.is_dir():
        return folder
    staging = cache / f".{label}-{key}.{os.getpid()}.tmp"
    staging.mkdir(parents=True, exist_ok=True)
    for path in found.values():
        link = staging / path.name
        if not link.exists():
            link.symlink_to(path)
    try:
        os.replace(staging, folder)
    except OSError:  # another process made it first
        for entry in staging.iterdir():
            entry.unlink()
        staging.rmdir()
    return folder


def provided_libraries(cache: Path) -> Path:
    return link_folder(cache, PROVIDED, "aws-runtime")


def debugger_folder(cache: Path) -> Path:
    return link_folder(cache, ("debugpy",), "debugger")
