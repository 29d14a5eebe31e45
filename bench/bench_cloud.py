"""Local cloud speed, next to a plain in-memory moto server measured by the same code in the same run.

Run: ``python bench/bench_cloud.py``. Prints one line per figure:
``name: value unit (target ...; peer moto-server: value unit)``.

Both servers run in their own process (the peer is ``moto.server.ThreadedMotoServer``, which
needs flask), so the client's work never competes with the server's for one GIL.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import botocore.config

from squall import cloud

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


def client(endpoint: str, service: str) -> Any:
    """A client signing with the local cloud's key pair (``$SQUALL_HOME``'s); the peer takes any key."""
    config = botocore.config.Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
    key = cloud.credentials()
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


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="squall-bench-"))
    os.environ["SQUALL_HOME"] = str(home)
    ours = cloud.start(home, port=0)
    assert ours is not None
    peer, peer_endpoint = start_peer()
    try:
        setup(ours.endpoint)
        setup(peer_endpoint)
        figures = [
            ("dynamodb_put_p50", ddb_put_p50, "ms", "<= 3 ms"),
            ("dynamodb_get_p50", ddb_get_p50, "ms", "<= 3 ms"),
            ("dynamodb_throughput_4_clients", ddb_throughput, "ops/s", ">= 600 ops/s"),
            ("s3_put_1mib_p50", s3_put_p50, "ms", "<= 15 ms"),
            ("s3_get_1mib_p50", s3_get_p50, "ms", "<= 15 ms"),
        ]
        for name, measure, unit, target in figures:
            value, peer_value = measure(ours.endpoint), measure(peer_endpoint)
            print(
                f"{name}: {value:.2f} {unit} (target {target}; peer moto-server: {peer_value:.2f} {unit})",
                flush=True,
            )
        ready = restart_ready(home, ours.endpoint)
        print(
            f"restart_ready_10k_items_100_objects: {ready:.2f} s (target <= 3 s; peer moto-server: n/a, in memory only)",
            flush=True,
        )
    finally:
        peer.terminate()
        peer.wait(10)
        cloud.stop(home)


if __name__ == "__main__":
    main()
