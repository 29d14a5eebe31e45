"""First-time set-up of ``./run dev``: a fresh checkout, no virtualenv, to squall installed and ready to run.

The peer is the set-up ``./run dev`` used to do (the test and benchmark tools as well), timed the same way in
the same run. Both use the machine's package index and pip's download cache as they are.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fresh_checkout import checkout, new_machine_environment, run_job  # noqa: E402


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed_setup_dev(work: Path) -> float:
    clone = checkout(work / "ours")
    started = time.perf_counter()
    done = run_job(clone, "setup-dev")
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"./run setup-dev failed:\n{done.stderr}")
    return elapsed


def timed_previous_setup(work: Path) -> float:
    """The former set-up: a virtualenv with the package and its test and benchmark extras."""
    clone = checkout(work / "peer")
    env = new_machine_environment()
    started = time.perf_counter()
    subprocess.run(["python3", "-m", "venv", ".venv"], cwd=clone, env=env, check=True)
    subprocess.run(
        [".venv/bin/python", "-m", "pip", "install", "--quiet", "-e", ".[test,bench]"],
        cwd=clone,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="squall-bench-setup-"))
    try:
        ours = timed_setup_dev(work)
        print(f"run_dev_first_time_setup: {ours:.1f} s (target <= 60 s; {load()})", flush=True)
        peer = timed_previous_setup(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"run_dev_setup_vs_former_setup: {ours / peer:.2f} x (target: informational; ours {ours:.1f} s, "
        f"peer the former set-up with the test and benchmark tools: {peer:.1f} s; {load()})",
        flush=True,
    )


if __name__ == "__main__":
    main()
