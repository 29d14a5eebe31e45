"""A fresh checkout of this source tree, as a new contributor gets it, for testing and timing ``./run``'s set-up.

The copy holds the files git tracks (with their current contents), and nothing a previous run left behind:
no ``.venv``, no caches, no ``*.egg-info``. The environment is the user's minus any active virtualenv, so
``./run`` finds the system's ``python3`` as it would on a new machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEFT_BEHIND = shutil.ignore_patterns(
    ".venv", "__pycache__", "*.egg-info", ".squall", ".mypy_cache", ".ruff_cache"
)


def checkout(destination: Path) -> Path:
    """Copy the tree to ``destination`` (made here); return it."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listed.returncode != 0:  # not a git checkout (an unpacked archive): everything but what runs leave
        shutil.copytree(ROOT, destination, ignore=LEFT_BEHIND)
        return destination
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if not name or not source.is_file():
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return destination


def new_machine_environment() -> dict[str, str]:
    """The current environment without an active virtualenv on ``PATH``."""
    env = dict(os.environ)
    active = env.pop("VIRTUAL_ENV", None)
    venv_bins = {str(ROOT / ".venv" / "bin")} | ({str(Path(active) / "bin")} if active else set())
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p not in venv_bins)
    env.pop("PYTHONPATH", None)
    return env


def run_job(clone: Path, job: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["./run", job],
        cwd=clone,
        env=new_machine_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def installed_distributions(clone: Path) -> set[str]:
    """The lower-cased names of every distribution in the checkout's ``.venv``."""
    listed = subprocess.run(
        [str(clone / ".venv" / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
        env=new_machine_environment(),
    )
    return {entry["name"].lower() for entry in json.loads(listed.stdout)}
