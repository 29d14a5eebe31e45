"""Local cloud speed, next to a plain in-memory moto server measured by the same code in the same run.

Run: ``python bench/bench_cloud.py``. Prints one line per figure:
``name: value unit (target ...; peer moto-server: value unit)``.

Both servers run in their own process (the peer is ``moto.server.ThreadedMotoServer``, which
needs flask), so the client's work never competes with the server's for one GIL.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import botocore.config

from squall import cloud
from squall.cloud import CloudInfo

PEER_SCRIPT = """
import signal, sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
server.start()
print("ready", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
"""

TABLE = "bench"
BUCKET = "bench-bucket"
MIB = b"x" * (1 << 20)


HOMES: dict[str, Path] = {}
"""The ``SQUALL_HOME`` of each local cloud started here, by endpoint: whose key signs requests to it."""


def client(endpoint: str, service: str) -> Any:
    """A client signing with the key pair of the local cloud at ``endpoint``; the peer takes any key."""
    config = botocore.config.Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
    key = cloud.credentials(HOMES.get(endpoint))
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
        config=config,
    )


def p50_ms(action: Callable[[int], object], count: int, warmup: int = 20) -> float:
    for i in range(warmup):
        action(i)
    samples = []
    for i in range(count):
        start = time.perf_counter()
        action(i)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def setup(endpoint: str) -> None:
    client(endpoint, "dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client(endpoint, "s3").create_bucket(Bucket=BUCKET)


def ddb_put_p50(endpoint: str) -> float:
    ddb = client(endpoint, "dynamodb")
    return p50_ms(
        lambda i: ddb.put_item(TableName=TABLE, Item={"pk": {"S": f"p{i}"}, "v": {"N": str(i)}}), 300
    )


def ddb_get_p50(endpoint: str) -> float:
    ddb = client(endpoint, "dynamodb")
    return p50_ms(lambda i: ddb.get_item(TableName=TABLE, Key={"pk": {"S": f"p{i % 300}"}}), 300)


def _throughput_worker(endpoint: str, worker: int, seconds: float) -> int:
    ddb = client(endpoint, "dynamodb")
    done = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        key = {"pk": {"S": f"t{worker}-{done % 500}"}}
        if done % 2:
            ddb.get_item(TableName=TABLE, Key=key)
        else:
            ddb.put_item(TableName=TABLE, Item={**key, "v": {"N": str(done)}})
        done += 1
    return done


def ddb_throughput(endpoint: str, clients: int = 4, seconds: float = 4.0) -> float:
    with ProcessPoolExecutor(clients) as pool:
        pool.submit(_throughput_worker, endpoint, 0, 0.2).result()  # warm the pool
        futures = [pool.submit(_throughput_worker, endpoint, n, seconds) for n in range(clients)]
        return sum(f.result() for f in futures) / seconds


def s3_put_p50(endpoint: str) -> float:
    s3 = client(endpoint, "s3")
    return p50_ms(lambda i: s3.put_object(Bucket=BUCKET, Key=f"mib/{i % 10}", Body=MIB), 40, warmup=5)


def s3_get_p50(endpoint: str) -> float:
    s3 = client(endpoint, "s3")
    return p50_ms(lambda i: s3.get_object(Bucket=BUCKET, Key=f"mib/{i % 10}")["Body"].read(), 40, warmup=5)


def restart_ready(home: Path, endpoint: str) -> float:
    """Store 10,000 items and 100 objects, kill -9 the daemon, time a start until it answers."""
    ddb, s3 = client(endpoint, "dynamodb"), client(endpoint, "s3")
    ddb.create_table(
        TableName="restart",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for batch in range(400):
        requests = [
            {"PutRequest": {"Item": {"pk": {"S": f"r{batch}-{n}"}, "payload": {"S": "y" * 100}}}}
            for n in range(25)
        ]
        ddb.batch_write_item(RequestItems={"restart": requests})
    for n in range(100):
        s3.put_object(Bucket=BUCKET, Key=f"restart/{n}", Body=b"z" * 10_000)
    info = cloud.status(home)
    assert info is not None
    os.kill(info.pid, signal.SIGKILL)
    while cloud.status(home) is not None:
        time.sleep(0.01)
    start = time.perf_counter()
    again = cloud.start(home, port=0)
    ready = time.perf_counter() - start
    assert again is not None
    count = client(again.endpoint, "dynamodb").scan(TableName="restart", Select="COUNT")
    total = count["Count"]
    while "LastEvaluatedKey" in count:
        count = client(again.endpoint, "dynamodb").scan(
            TableName="restart", Select="COUNT", ExclusiveStartKey=count["LastEvaluatedKey"]
        )
        total += count["Count"]
    assert total == 10_000, total
    return ready


def _fill(endpoint: str, table: str, items: int, workers: int = 4) -> None:
    client(endpoint, "dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    def work(worker: int) -> None:
        ddb = client(endpoint, "dynamodb")
        per = items // workers
        for start in range(worker * per, (worker + 1) * per, 25):
            batch = [
                {"PutRequest": {"Item": {"pk": {"S": f"i{n}"}, "v": {"S": "y" * 200}}}}
                for n in range(start, start + 25)
            ]
            ddb.batch_write_item(RequestItems={table: batch})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _last_log_figure(home: Path, pattern: str) -> float:
    found = re.findall(pattern, (home / "cloud" / "cloud.log").read_text())
    assert found, pattern
    return float(found[-1])


def recovery_100k(home: Path) -> tuple[float, float, CloudInfo]:
    """100,000 items (a ~30 MB snapshot plus the journal since), kill -9 right after the last write, start:
    recovery and ready times."""
    info = cloud.status(home)
    assert info is not None
    _fill(info.endpoint, "recovery", 100_000)
    os.kill(info.pid, signal.SIGKILL)
    while cloud.status(home) is not None:
        time.sleep(0.01)
    start = time.perf_counter()
    again = cloud.start(home, port=0)
    ready = time.perf_counter() - start
    assert again is not None
    table = client(again.endpoint, "dynamodb").describe_table(TableName="recovery")["Table"]
    assert table["ItemCount"] == 100_000, table["ItemCount"]
    return _last_log_figure(home, r"recovered in ([\d.]+) s"), ready, again


def stall_during_snapshots(endpoint: str, home: Path | None, count: int = 6000) -> tuple[float, float, int]:
    """PutItem latency p99 and max (ms) over ``count`` requests, during which the journal's bound forces
    snapshots of the state; and how many snapshots were taken."""
    ddb = client(endpoint, "dynamodb")
    snapshots_before = _snapshot_count(home)
    samples = []
    for i in range(count):
        started = time.perf_counter()
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": f"s{i % 1000}"}, "v": {"N": str(i)}})
        samples.append(time.perf_counter() - started)
    samples.sort()
    taken = _snapshot_count(home) - snapshots_before
    return samples[int(len(samples) * 0.99)] * 1000, samples[-1] * 1000, taken


def _snapshot_count(home: Path | None) -> int:
    if home is None:
        return 0
    return len(re.findall(r"snapshot \S+ written in", (home / "cloud" / "cloud.log").read_text()))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_peer() -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", PEER_SCRIPT, str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process, f"http://127.0.0.1:{port}"


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="squall-bench-"))
    strict_home = Path(tempfile.mkdtemp(prefix="squall-bench-strict-"))
    os.environ["SQUALL_HOME"] = str(home)
    ours = cloud.start(home, port=0)
    strict = cloud.start(strict_home, port=0, durability="strict")
    assert ours is not None and strict is not None
    HOMES.update({ours.endpoint: home, strict.endpoint: strict_home})
    peer, peer_endpoint = start_peer()
    try:
        setup(ours.endpoint)
        setup(strict.endpoint)
        setup(peer_endpoint)
        put, strict_put, peer_put = (
            ddb_put_p50(ours.endpoint),
            ddb_put_p50(strict.endpoint),
            ddb_put_p50(peer_endpoint),
        )
        print(
            f"dynamodb_put_p50_default_durability: {put:.2f} ms (target <= 3 ms; peer moto-server: "
            f"{peer_put:.2f} ms; {load()})",
            flush=True,
        )
        print(
            f"dynamodb_put_p50_strict_durability: {strict_put:.2f} ms (target <= 3 ms plus one fsync; "
            f"peer moto-server: {peer_put:.2f} ms; {load()})",
            flush=True,
        )
        figures = [
            ("dynamodb_get_p50", ddb_get_p50, "ms", "<= 3 ms"),
            ("dynamodb_throughput_4_clients", ddb_throughput, "ops/s", ">= 600 ops/s"),
            ("s3_put_1mib_p50", s3_put_p50, "ms", "<= 15 ms"),
            ("s3_get_1mib_p50", s3_get_p50, "ms", "<= 15 ms"),
        ]
        for name, measure, unit, target in figures:
            value, peer_value = measure(ours.endpoint), measure(peer_endpoint)
            print(
                f"{name}: {value:.2f} {unit} (target {target}; peer moto-server: {peer_value:.2f} {unit}; "
                f"{load()})",
                flush=True,
            )
        ready = restart_ready(home, ours.endpoint)
        print(
            f"restart_ready_10k_items_100_objects: {ready:.2f} s (target <= 3 s; peer moto-server: n/a, in memory only; {load()})",
            flush=True,
        )
        recovered, ready, ours = recovery_100k(home)
        print(
            f"recovery_100k_items: {recovered:.2f} s (target <= 3 s; peer moto-server: n/a, in memory only; "
            f"{load()})",
            flush=True,
        )
        print(
            f"restart_ready_100k_items: {ready:.2f} s (target recovery plus the daemon's start; "
            f"peer moto-server: n/a; {load()})",
            flush=True,
        )
        cloud.stop(home)
        ours = cloud.start(home, port=0)
        assert ours is not None
        clean = _last_log_figure(home, r"recovered in ([\d.]+) s")
        print(
            f"recovery_100k_items_after_clean_stop: {clean:.2f} s (target <= 3 s; peer moto-server: n/a; "
            f"{load()})",
            flush=True,
        )
        size = max(p.stat().st_size for p in (home / "cloud" / "state").glob("snapshot-*.snap")) / 1e6
        p99, worst, taken = stall_during_snapshots(ours.endpoint, home)
        peer_p99, peer_worst, _ = stall_during_snapshots(peer_endpoint, None)
        held = max(
            float(x)
            for x in re.findall(r"lock was held ([\d.]+) ms", (home / "cloud" / "cloud.log").read_text())
        )
        print(
            f"put_p99_during_snapshots_of_{size:.0f}mb: {p99:.2f} ms (target a few ms; {taken} snapshots; "
            f"peer moto-server: {peer_p99:.2f} ms; {load()})",
            flush=True,
        )
        print(
            f"put_max_during_snapshots_of_{size:.0f}mb: {worst:.2f} ms (target a few ms; was 4450 ms; "
            f"peer moto-server: {peer_worst:.2f} ms; {load()})",
            flush=True,
        )
        print(
            f"snapshot_state_lock_held_max: {held:.2f} ms (target a few ms; peer moto-server: n/a; {load()})",
            flush=True,
        )
    finally:
        peer.terminate()
        peer.wait(10)
        cloud.stop(home)
        cloud.stop(strict_home)


if __name__ == "__main__":
    main()
