"""Run squall's benchmarks: every ``bench/bench_*.py``, each in its own process, one after another.

Each benchmark prints lines of the form ``name: value unit (target ...; peer ...: value unit)``; this runner
prints them as they come, then all of them again together as a summary. Usage:

    python bench/run.py              # all
    python bench/run.py cloud deploy # bench_cloud.py and bench_deploy.py only
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
FIGURE = re.compile(r"^[\w .:/+-]+: [-\d.]+ \S+.*\(target .*\)")


def selected(names: list[str]) -> list[Path]:
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if not names:
        return scripts
    chosen = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    missing = set(names) - {s.stem.removeprefix("bench_") for s in chosen}
    if missing:
        raise SystemExit(
            f"no such benchmark: {', '.join(sorted(missing))} (have: {', '.join(s.stem for s in scripts)})"
        )
    return chosen


def main(argv: list[str]) -> int:
    figures: list[str] = []
    failed: list[str] = []
    for script in selected(argv):
        print(f"== {script.stem}", flush=True)
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=BENCH_DIR.parent
        )
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if FIGURE.match(line.strip()):
                figures.append(line.strip())
        if process.wait() != 0:
            failed.append(script.stem)
        print(
            f"== {script.stem} done in {time.monotonic() - started:.1f} s (exit {process.returncode})",
            flush=True,
        )
    print("\n== summary")
    for figure in figures:
        print(figure)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
