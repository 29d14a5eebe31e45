"""Isolation benchmark: the cold start of a function that imports boto3, isolated as on AWS or not.

An isolated worker (``-I -S``, its import path built from its package and the runtime's libraries, as the
local cloud and ``squall dev`` run it) against today's peer: the same worker seeing squall's virtualenv.
Both on squall's own interpreter, rounds interleaved, so the machine's load weighs on both alike.

Run as ``python bench/bench_isolation.py``; prints ``name: value unit (target ...)`` lines.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from squall.runtime import FunctionPool, FunctionSpec
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
        cold_ms(today), cold_ms(isolated)  # the page cache warmed for both
        plain: list[float] = []
        alone: list[float] = []
        for _ in range(ROUNDS):
            plain.append(cold_ms(today))
            alone.append(cold_ms(isolated))
        base, value = statistics.median(plain), statistics.median(alone)
        load = os.getloadavg()[0]
        print(
            f"cold_start_boto3_today_median: {base:.1f} ms (target none: the peer, a worker that sees squall's environment)"
        )
        print(
            f"cold_start_boto3_isolated_median: {value:.1f} ms (target <= 1.10x today; "
            f"ratio {value / base:.2f}x; load average {load:.1f})"
        )


if __name__ == "__main__":
    main()
