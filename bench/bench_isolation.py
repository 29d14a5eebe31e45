"""Isolation benchmark: the cold start of a function that imports boto3, isolated as on AWS or not.

An isolated worker (``-I -S``, its import path built from its package and the runtime's libraries, as the
local cloud and ``squall dev`` run it) against today's peer: the same worker seeing squall's virtualenv.
Both on squall's own interpreter, and the isolated one again on the interpreter ``python3.12`` names (the
default runtime, as the local cloud now runs it); rounds interleaved, so the machine's load weighs on all
alike.

Run as ``python bench/bench_isolation.py``; prints ``name: value unit (target ...)`` lines.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from squall.runtime import FunctionPool, FunctionSpec
from squall.runtime.interpreters import find_interpreter
from squall.runtime.isolation import provided_libraries

HANDLER = (
    "import boto3\n\ndef handler(event, context):\n    return {'ok': True, 'boto3': boto3.__version__}\n"
)
ROUNDS = 15


def cold_ms(spec: FunctionSpec) -> float:
    with FunctionPool(spec, reaper=None) as pool:
        start = time.perf_counter()
        result = pool.invoke({})
        elapsed = (time.perf_counter() - start) * 1000
    assert result.error_type is None, result.payload
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        code = Path(tmp) / "code"
        (code / "functions").mkdir(parents=True)
        (code / "functions" / "bench.py").write_text(HANDLER)
        today = FunctionSpec(name="bench", code_dir=code, handler="functions/bench.handler", timeout=30.0)
        libraries = provided_libraries(Path(tmp) / "cache")
        isolated = FunctionSpec(
            name="bench",
            code_dir=code,
            handler="functions/bench.handler",
            timeout=30.0,
            import_path=(str(libraries),),
        )
        # What the local cloud runs by default now: isolated, on the interpreter python3.12 names.
        interpreter = find_interpreter("python3.12")
        versioned = replace(isolated, python=interpreter.path)
        cold_ms(today), cold_ms(isolated), cold_ms(versioned)  # page cache and bytecode warmed for all
        plain: list[float] = []
        alone: list[float] = []
        on_runtime: list[float] = []
        for _ in range(ROUNDS):
            plain.append(cold_ms(today))
            alone.append(cold_ms(isolated))
            on_runtime.append(cold_ms(versioned))
        base, value = statistics.median(plain), statistics.median(alone)
        third = statistics.median(on_runtime)
        load = os.getloadavg()[0]
        print(
            f"cold_start_boto3_today_median: {base:.1f} ms (target none: the peer, a worker that sees squall's environment)"
        )
        print(
            f"cold_start_boto3_isolated_median: {value:.1f} ms (target <= 1.10x today; "
            f"ratio {value / base:.2f}x; load average {load:.1f})"
        )
        print(
            f"cold_start_boto3_isolated_python{interpreter.version_text}_median: {third:.1f} ms "
            f"(target <= 1.10x today; ratio {third / base:.2f}x; {interpreter.path})"
        )


if __name__ == "__main__":
    main()
