"""What checking signatures costs: the verifier alone, the request path with and without it, and the
local cloud's DynamoDB figures with signing on, each next to a peer measured in the same run.

Run: ``python bench/bench_auth.py``. Figures:

- ``sigv4_verify_*_p50``: ``Verifier.verify`` alone, in a loop, on requests botocore signed (a DynamoDB
  PutItem, a 1 KiB S3 PutObject whose body is hashed, a presigned GET); peer: botocore signing the same
  request, the client's side of the same work.
- ``request_path_added_by_verification_p50``: ``CloudApp.respond`` for a GetItem in this process, with the
  real front door and with one whose verifier trusts everything, interleaved; the difference of the p50s.
- ``dynamodb_put_p50_signed`` / ``dynamodb_get_p50_signed``: over HTTP against a daemon, with signing on;
  peer: a plain moto server (no verification) measured by the same code.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cloud
from squall import cloud
from squall.cloud.auth.gate import Gate
from squall.cloud.auth.keyring import KeyRing, root_principal
from squall.cloud.auth.verify import Incoming, Verified, Verifier

TARGET_MS = 0.1
LOOPS = 20_000


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def p50_ms(action: Callable[[], object], loops: int) -> float:
    for _ in range(min(200, loops)):
        action()
    samples = []
    for _ in range(loops):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def wire(request: AWSRequest) -> tuple[str, str, str, list[tuple[str, str]], bytes]:
    prepared = request.prepare()
    path, _, query = prepared.url.split("://", 1)[1].partition("/")[2].partition("?")
    raw = [(str(k), str(v)) for k, v in request.headers.items()]
    raw.append(("Host", "127.0.0.1:4590"))
    body = prepared.body or b""
    return prepared.method, "/" + path, query, raw, body if isinstance(body, bytes) else body.encode()


def incoming(request: AWSRequest) -> Incoming:
    method, path, query, raw, body = wire(request)
    folded: dict[str, str] = {}
    for name, value in raw:
        folded[name.lower()] = value
    return Incoming(method, path, query, raw, folded, body)


def requests(credentials: Credentials) -> dict[str, tuple[AWSRequest, Callable[[], AWSRequest], bool]]:
    """name → (a signed request, a way to sign it again, is it S3)."""
    endpoint = "http://127.0.0.1:4590"
    item = json.dumps({"TableName": "bench", "Item": {"pk": {"S": "p1"}, "v": {"N": "1"}}}).encode()

    def dynamodb() -> AWSRequest:
        request = AWSRequest(
            "POST",
            endpoint + "/",
            data=item,
            headers={
                "X-Amz-Target": "DynamoDB_20120810.PutItem",
                "Content-Type": "application/x-amz-json-1.0",
            },
        )
        SigV4Auth(credentials, "dynamodb", "us-east-1").add_auth(request)
        return request

    def s3_put() -> AWSRequest:
        request = AWSRequest("PUT", endpoint + "/bench-bucket/object", data=b"x" * 1024)
        S3SigV4Auth(credentials, "s3", "us-east-1").add_auth(request)
        return request

    def presigned() -> AWSRequest:
        request = AWSRequest("GET", endpoint + "/bench-bucket/object")
        S3SigV4QueryAuth(credentials, "s3", "us-east-1", expires=3600).add_auth(request)
        return request

    return {
        "dynamodb_putitem": (dynamodb(), dynamodb, False),
        "s3_put_1kib": (s3_put(), s3_put, True),
        "s3_presigned_get": (presigned(), presigned, True),
    }


class Trusting:
    """A verifier that checks nothing: the request path's cost without verification."""

    def __init__(self, key_id: str) -> None:
        self.principal = root_principal(key_id)

    def verify(self, request: Incoming, *, s3: bool) -> Verified:
        return Verified(self.principal, "dynamodb", "us-east-1", request.body, request.headers)


def request_path(home: Path) -> tuple[float, float]:
    """p50 of ``CloudApp.respond`` for a signed GetItem with the real front door and a trusting one."""
    from squall.cloud import plugins
    from squall.cloud.app import CloudApp
    from squall.cloud.core import LocalCloud
    from squall.cloud.info import CloudPaths
    from squall.cloud.store import Store

    paths = CloudPaths.under(home / "in-process")
    paths.state.mkdir(parents=True)
    key = cloud.credentials(home)
    local = LocalCloud(paths.data, plugins.Registry(), Store(paths.state, key=os.urandom(32)), home_key=key)
    local.recover()
    verifying = CloudApp(local, {}, Gate(Verifier(KeyRing(key)), 4590, lambda bucket: None))
    trusting = CloudApp(local, {}, Gate(Trusting(key.access_key_id), 4590, lambda bucket: None))  # type: ignore[arg-type]
    credentials = Credentials(key.access_key_id, key.secret_access_key)

    def signed(target: str, body: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]], bytes]:
        request = AWSRequest(
            "POST",
            "http://127.0.0.1:4590/",
            data=json.dumps(body).encode(),
            headers={
                "X-Amz-Target": f"DynamoDB_20120810.{target}",
                "Content-Type": "application/x-amz-json-1.0",
            },
        )
        SigV4Auth(credentials, "dynamodb", "us-east-1").add_auth(request)
        method, _, _, raw, data = wire(request)
        return method, "/", raw, data

    table = {
        "TableName": "bench",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    for target, body in (
        ("CreateTable", table),
        ("PutItem", {"TableName": "bench", "Item": {"pk": {"S": "p1"}}}),
    ):
        method, path, raw, data = signed(target, body)
        assert verifying.respond(method, path, raw, data, "127.0.0.1:4590").status == 200
    method, path, raw, data = signed("GetItem", {"TableName": "bench", "Key": {"pk": {"S": "p1"}}})
    assert verifying.respond(method, path, raw, data, "127.0.0.1:4590").status == 200
    with_samples, without_samples = [], []
    for _ in range(3000):
        for app, samples in ((verifying, with_samples), (trusting, without_samples)):
            start = time.perf_counter()
            app.respond(method, path, raw, data, "127.0.0.1:4590")
            samples.append(time.perf_counter() - start)
    local.store.close()
    return statistics.median(with_samples[300:]) * 1000, statistics.median(without_samples[300:]) * 1000


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="squall-bench-auth-"))
    os.environ["SQUALL_HOME"] = str(home)
    key = cloud.credentials(home)
    credentials = Credentials(key.access_key_id, key.secret_access_key)
    verifier = Verifier(KeyRing(key))
    for name, (request, sign_again, s3) in requests(credentials).items():
        prepared = incoming(request)
        assert verifier.verify(prepared, s3=s3).principal.is_root
        ours = p50_ms(lambda prepared=prepared, s3=s3: verifier.verify(prepared, s3=s3), LOOPS)  # type: ignore[misc]
        peer = p50_ms(sign_again, LOOPS // 4)
        print(
            f"sigv4_verify_{name}_p50: {ours:.4f} ms (target <= {TARGET_MS} ms; "
            f"peer botocore signing the same request: {peer:.4f} ms; {load()})",
            flush=True,
        )
    with_ms, without_ms = request_path(home)
    print(
        f"request_path_added_by_verification_p50: {with_ms - without_ms:.4f} ms (target <= {TARGET_MS} ms; "
        f"peer the same GetItem through CloudApp without verification: {without_ms:.4f} ms, "
        f"with: {with_ms:.4f} ms; {load()})",
        flush=True,
    )

    info = cloud.start(home, port=0)
    assert info is not None
    peer_process, peer_endpoint = bench_cloud.start_peer()
    try:
        bench_cloud.setup(info.endpoint)
        bench_cloud.setup(peer_endpoint)
        for name, measure in (("put", bench_cloud.ddb_put_p50), ("get", bench_cloud.ddb_get_p50)):
            ours, peer = measure(info.endpoint), measure(peer_endpoint)
            print(
                f"dynamodb_{name}_p50_signed: {ours:.2f} ms (target <= 3 ms; "
                f"peer moto-server, no verification: {peer:.2f} ms; {load()})",
                flush=True,
            )
    finally:
        peer_process.terminate()
        peer_process.wait(10)
        cloud.stop(home)


if __name__ == "__main__":
    main()
