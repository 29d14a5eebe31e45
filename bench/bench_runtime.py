"""Runtime benchmark: warm invoke latency, cold start and warm throughput through FunctionPool.

Run as ``python bench/bench_runtime.py``; prints ``name: value unit (target ...)`` lines.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from squall.runtime import FunctionPool, FunctionSpec

HANDLER = "def handler(event, context):\n    return {'ok': True, 'n': event.get('n')}\n"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def warm_latency(spec: FunctionSpec, count: int = 5000) -> tuple[float, float]:
    with FunctionPool(spec) as pool:
        pool.prewarm()
        for i in range(200):
            pool.invoke({"n": i})
        samples = []
        for i in range(count):
            start = time.perf_counter()
            pool.invoke({"n": i})
            samples.append((time.perf_counter() - start) * 1000)
    return percentile(samples, 0.50), percentile(samples, 0.99)


def cold_start(spec: FunctionSpec, rounds: int = 10) -> float:
    samples = []
    for _ in range(rounds):
        with FunctionPool(spec) as pool:
            start = time.perf_counter()
            pool.invoke({})
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def throughput(spec: FunctionSpec, threads: int = 8, seconds: float = 3.0) -> float:
    with FunctionPool(spec) as pool:
        pool.prewarm(threads)
        stop = time.perf_counter() + seconds

        def loop(_: int) -> int:
            n = 0
            while time.perf_counter() < stop:
                pool.invoke({"n": n})
                n += 1
            return n

        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as executor:
            total = sum(executor.map(loop, range(threads)))
        return total / (time.perf_counter() - start)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        code = Path(tmp)
        (code / "functions").mkdir()
        (code / "functions" / "bench.py").write_text(HANDLER)
        spec = FunctionSpec(name="bench", code_dir=code, handler="functions/bench.handler", timeout=30.0)
        p50, p99 = warm_latency(spec)
        print(f"warm_invoke_p50: {p50:.3f} ms (target < 1 ms)")
        print(f"warm_invoke_p99: {p99:.3f} ms (target < 2 ms)")
        print(f"cold_start_median: {cold_start(spec):.1f} ms (target < 100 ms)")
        print(
            f"warm_throughput_8_threads: {throughput(spec):.0f} invocations/s (target > 2000 invocations/s)"
        )


if __name__ == "__main__":
    main()
