"""HTTP API benchmark: a trivial handler behind an HTTP API of a local cloud, against ``chalice local``.

Run as ``python bench/bench_http.py``. It starts a local cloud on a free port with a temporary
``SQUALL_HOME``, deploys a function and an HTTP API with boto3, and measures over loopback:

- requests/s with 8 concurrent keep-alive connections, and p50 latency with one connection, with ``wrk``
  when it is installed, else a small load generator (keep-alive raw sockets, one process per connection);
- cold start: the first request to a function never invoked before (median over a few functions); for
  chalice, from starting ``chalice local`` to its first answer;
- warm request: one request at a time on a kept-alive connection, once the function is warm.

The peer is ``chalice local`` serving an equivalent route, measured the same way in the same run.
``ratio`` is how many times better squall is (peer latency / squall latency, squall rate / peer rate).
``chalice local`` answers kept-alive connections only after ~40 ms: it writes headers and body separately
without ``TCP_NODELAY``, and the client delays its ACK.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3

from squall import cloud

HANDLER = 'def handler(event, context):\n    return {"statusCode": 200, "body": "{\\"ok\\": true}"}\n'
CHALICE_APP = """
from chalice import Chalice, Response

app = Chalice(app_name="bench")


@app.route("/hello")
def hello():
    return Response(body='{"ok": true}', status_code=200, headers={"Content-Type": "application/json"})
"""
COLD_FUNCTIONS = 5
LOAD_SECONDS = 5
ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@dataclass(frozen=True)
class Load:
    requests_per_s: float
    p50_ms: float


# -- load generation --------------------------------------------------------------------------------


def wrk_load(url: str, connections: int, seconds: int) -> Load:
    threads = max(1, min(connections, os.cpu_count() or 1))
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if rate is None or p50 is None or errors is not None:
        raise RuntimeError(f"wrk failed against {url}:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    return Load(float(rate.group(1)), float(p50.group(1)) * scale)


def keep_alive_requests(url: str, seconds: float | None = None, count: int | None = None) -> list[float]:
    """GETs on one kept-alive connection, for ``seconds`` or ``count`` requests; each one's latency in ms."""
    parts = urlsplit(url)
    request = f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
    latencies: list[float] = []
    buffer = b""
    deadline = time.perf_counter() + (seconds if seconds is not None else 60.0)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while time.perf_counter() < deadline and (count is None or len(latencies) < count):
            start = time.perf_counter()
            sock.sendall(request)
            while b"\r\n\r\n" not in buffer:
                buffer += sock.recv(65536)
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            if not head.startswith(b"HTTP/1.1 200") or length is None:
                raise RuntimeError(f"unexpected response from {url}: {head[:300]!r}")
            while len(buffer) < int(length.group(1)):
                buffer += sock.recv(65536)
            buffer = buffer[int(length.group(1)) :]
            latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def _connection_process(url: str, seconds: float, results: Any) -> None:
    results.put(keep_alive_requests(url, seconds=seconds))


def python_load(url: str, connections: int, seconds: int) -> Load:
    results: Any = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_connection_process, args=(url, seconds, results))
        for _ in range(connections)
    ]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    for _ in workers:
        latencies += results.get(timeout=seconds + 30)
    for worker in workers:
        worker.join(timeout=10)
    return Load(len(latencies) / seconds, statistics.median(latencies))


def load_generator() -> tuple[str, Callable[[str, int, int], Load]]:
    if shutil.which("wrk"):
        return "wrk", wrk_load
    return "python sockets", python_load


# -- single requests ----------------------------------------------------------------------------------


def timed_get(url: str) -> float:
    """One GET on a new connection, in ms."""
    parts = urlsplit(url)
    start = time.perf_counter()
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    sock.sendall(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    elapsed = (time.perf_counter() - start) * 1000
    sock.close()
    if not data.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"GET {url} failed: {data[:200]!r}")
    return elapsed


def warm_request_ms(url: str, count: int = 500) -> float:
    """Median of single requests on one kept-alive connection, after the function is warm."""
    latencies = keep_alive_requests(url, count=count)
    return statistics.median(latencies[count // 10 :])


# -- the two servers ---------------------------------------------------------------------------------


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def deploy_squall(endpoint: str, home: Path) -> tuple[str, list[str]]:
    """The warm route's URL and the URLs of never-invoked functions (one route each)."""
    key = cloud.credentials(home)
    session = boto3.Session(
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
    )
    iam, lam, apigw = (session.client(s, endpoint_url=endpoint) for s in ("iam", "lambda", "apigatewayv2"))
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    api = apigw.create_api(Name="bench", ProtocolType="HTTP")
    for i in range(COLD_FUNCTIONS + 1):
        function = lam.create_function(
            FunctionName=f"bench-{i}",
            Runtime="python3.12",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": zipped(HANDLER)},
        )
        integration = apigw.create_integration(
            ApiId=api["ApiId"],
            IntegrationType="AWS_PROXY",
            IntegrationUri=function["FunctionArn"],
            PayloadFormatVersion="2.0",
        )
        apigw.create_route(
            ApiId=api["ApiId"],
            RouteKey=f"GET /hello{i}",
            Target=f"integrations/{integration['IntegrationId']}",
        )
    apigw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
    base = api["ApiEndpoint"]
    return f"{base}/hello0", [f"{base}/hello{i}" for i in range(1, COLD_FUNCTIONS + 1)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def first_response_ms(url: str, since: float, seconds: float = 30) -> float:
    """ms from ``since`` (a ``perf_counter`` reading) to the first 200 from ``url``, trying every 5 ms."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            timed_get(url)
            return (time.perf_counter() - since) * 1000
        except (OSError, RuntimeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def start_chalice(root: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """``chalice local`` on a free port: the process, the route's URL and when it was started."""
    project = root / "chalice-bench"
    (project / ".chalice").mkdir(parents=True)
    (project / "app.py").write_text(textwrap.dedent(CHALICE_APP))
    (project / ".chalice" / "config.json").write_text(json.dumps({"version": "2.0", "app_name": "bench"}))
    port = free_port()
    chalice = Path(sys.executable).with_name("chalice")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(chalice), "local", "--host", "127.0.0.1", "--port", str(port), "--no-autoreload"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}/hello", started


# -- report ----------------------------------------------------------------------------------------


def line(name: str, value: float, unit: str, target: str, peer: float | None, higher_is_better: bool) -> str:
    digits = 0 if unit.endswith("/s") else 3
    text = f"{name}: {value:.{digits}f} {unit} (target {target}"
    if peer is None:
        return text + "; peer chalice local: n/a)"
    ratio = (value / peer) if higher_is_better else (peer / value)
    return (
        text + f"; peer chalice local: {peer:.{digits}f} {unit}; ratio {ratio:.{1 if ratio >= 0.1 else 3}f}x)"
    )


def main() -> int:
    generator_name, generate = load_generator()
    print(f"load generator: {generator_name}; {LOAD_SECONDS} s per run, loopback only", flush=True)
    with tempfile.TemporaryDirectory(prefix="squall-bench-http-") as tmp:
        home = Path(tmp) / "home"
        info = cloud.start(home, port=0)
        assert info is not None
        warm_url, cold_urls = deploy_squall(info.endpoint, home)
        chalice, chalice_url, chalice_started = start_chalice(Path(tmp))
        try:
            # chalice local runs the app in its own process: its cold start is process start to first answer.
            peer_cold = first_response_ms(chalice_url, chalice_started)
            cold = statistics.median(timed_get(url) for url in cold_urls)
            warm = warm_request_ms(warm_url)
            peer_warm = warm_request_ms(chalice_url)
            generate(warm_url, 8, 1)  # warm up the workers the 8 connections will use
            squall_8 = generate(warm_url, 8, LOAD_SECONDS)
            peer_8 = generate(chalice_url, 8, LOAD_SECONDS)
            squall_1 = generate(warm_url, 1, LOAD_SECONDS)
            peer_1 = generate(chalice_url, 1, LOAD_SECONDS)
        finally:
            chalice.terminate()
            chalice.wait(timeout=10)
            cloud.stop(home)
    print(
        line(
            "http_requests_per_s_8_connections",
            squall_8.requests_per_s,
            "req/s",
            ">= 3000 req/s",
            peer_8.requests_per_s,
            True,
        )
    )
    print(line("http_p50_1_connection", squall_1.p50_ms, "ms", "<= 1 ms", peer_1.p50_ms, False))
    print(line("http_cold_start_first_request", cold, "ms", "report", peer_cold, False))
    print(line("http_warm_request", warm, "ms", "report", peer_warm, False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
