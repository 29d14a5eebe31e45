"""What enforcing IAM costs per request: the check alone, and what it adds to the request path.

Run: ``python bench/bench_iam.py``. Figures, each next to a peer measured in the same run:

- ``iam_check_p50``: ``Enforcer.check`` alone, in a loop, for a DynamoDB GetItem signed by a function's role
  session, with the role's policy as ``bind`` writes it (compiled and cached, as in a running cloud); peer:
  ``Verifier.verify`` of the same request, the front door's other per-request check.
- ``request_path_added_by_iam_p50``: ``CloudApp.respond`` for that GetItem in this process, with the IAM
  check and without it, interleaved; the difference of the p50s (target <= 0.2 ms), with the ratio.
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
from urllib.parse import urlencode
from xml.etree import ElementTree

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import incoming, load, p50_ms, wire
from squall import cloud
from squall.cloud.auth.gate import Gate
from squall.cloud.auth.keyring import KeyRing
from squall.cloud.auth.moto_keys import MotoKeys
from squall.cloud.auth.verify import Verifier

TARGET_MS = 0.2
LOOPS = 20_000
ROUNDS = 3000
HOST = "127.0.0.1:4590"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/bench"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/bench:*"],
        },
        {
            "Effect": "Allow",
            "Action": sorted(
                [
                    "dynamodb:BatchGetItem",
                    "dynamodb:ConditionCheckItem",
                    "dynamodb:DescribeTable",
                    "dynamodb:GetItem",
                    "dynamodb:Query",
                    "dynamodb:Scan",
                    "dynamodb:BatchWriteItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                ]
            ),
            "Resource": [TABLE_ARN, TABLE_ARN + "/index/*"],
        },
    ],
}


def sign(credentials: Credentials, service: str, headers: dict[str, str], body: bytes) -> AWSRequest:
    request = AWSRequest("POST", f"http://{HOST}/", data=body, headers=headers)
    SigV4Auth(credentials, service, "us-east-1").add_auth(request)
    return request


def query(credentials: Credentials, service: str, params: dict[str, str]) -> AWSRequest:
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return sign(credentials, service, headers, urlencode(params).encode())


def dynamodb(credentials: Credentials, target: str, body: dict[str, Any]) -> AWSRequest:
    headers = {"X-Amz-Target": f"DynamoDB_20120810.{target}", "Content-Type": "application/x-amz-json-1.0"}
    return sign(credentials, "dynamodb", headers, json.dumps(body).encode())


def main() -> None:
    from squall.cloud import plugins, snapshot
    from squall.cloud.app import CloudApp
    from squall.cloud.core import LocalCloud
    from squall.cloud.iam import reference
    from squall.cloud.iam.enforcer import Enforcer, MotoPolicies
    from squall.cloud.info import CloudPaths
    from squall.cloud.store import Store

    home = Path(tempfile.mkdtemp(prefix="squall-bench-iam-"))
    os.environ["SQUALL_HOME"] = str(home)
    paths = CloudPaths.under(home)
    paths.state.mkdir(parents=True)
    key = cloud.credentials(home)
    store = Store(paths.state, key=snapshot.load_key(paths.key_file))
    local = LocalCloud(paths.data, plugins.Registry(), store, home_key=key)
    local.recover()
    gate = Gate(Verifier(KeyRing(key, MotoKeys(local))), 4590, lambda bucket: None)
    enforcer = Enforcer(lambda: reference.load(home / "cache"), MotoPolicies(local))
    checked = CloudApp(local, {}, gate, enforcer)
    unchecked = CloudApp(local, {}, gate)
    root = Credentials(key.access_key_id, key.secret_access_key)

    def send(app: CloudApp, request: AWSRequest) -> Any:
        method, path, _, raw, body = wire(request)
        return app.respond(method, path, raw, body, HOST)

    setup = [
        query(
            root,
            "iam",
            {
                "Action": "CreateRole",
                "Version": "2010-05-08",
                "RoleName": "bench",
                "AssumeRolePolicyDocument": json.dumps(TRUST),
            },
        ),
        query(
            root,
            "iam",
            {
                "Action": "PutRolePolicy",
                "Version": "2010-05-08",
                "RoleName": "bench",
                "PolicyName": "squall-function",
                "PolicyDocument": json.dumps(POLICY),
            },
        ),
        dynamodb(
            root,
            "CreateTable",
            {
                "TableName": "bench",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        ),
        dynamodb(root, "PutItem", {"TableName": "bench", "Item": {"pk": {"S": "p1"}}}),
    ]
    for request in setup:
        answer = send(checked, request)
        assert answer.status == 200, answer.body
    assumed = send(
        checked,
        query(
            root,
            "sts",
            {
                "Action": "AssumeRole",
                "Version": "2011-06-15",
                "RoleSessionName": "bench",
                "RoleArn": "arn:aws:iam::123456789012:role/bench",
            },
        ),
    )
    document = ElementTree.fromstring(assumed.body)
    found = {el.tag.rsplit("}", 1)[-1]: el.text or "" for el in document.iter()}
    session = Credentials(found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"])
    get = dynamodb(session, "GetItem", {"TableName": "bench", "Key": {"pk": {"S": "p1"}}})
    assert send(checked, get).status == 200
    denied = dynamodb(session, "DeleteTable", {"TableName": "bench"})
    assert send(checked, denied).status == 400  # the check is really on

    prepared = incoming(get)
    verified = gate.verifier.verify(prepared, s3=False)
    assert verified.principal.kind == "assumed-role"

    def check() -> object:
        return enforcer.check(
            verified.principal,
            "dynamodb",
            "GetItem",
            "POST",
            "/",
            "",
            verified.headers,
            verified.body,
            "us-east-1",
        )

    assert check() is None
    ours = p50_ms(check, LOOPS)
    peer = p50_ms(lambda: gate.verifier.verify(prepared, s3=False), LOOPS)
    print(
        f"iam_check_p50: {ours:.4f} ms (target <= {TARGET_MS} ms; peer SigV4 verification of the same "
        f"request: {peer:.4f} ms; ratio {ours / peer:.2f}; {load()})",
        flush=True,
    )

    method, path, _, raw, body = wire(get)
    with_samples: list[float] = []
    without_samples: list[float] = []
    runs: tuple[tuple[CloudApp, list[float]], ...] = ((checked, with_samples), (unchecked, without_samples))
    for _ in range(ROUNDS):
        for app, samples in runs:
            start = time.perf_counter()
            app.respond(method, path, raw, body, HOST)
            samples.append(time.perf_counter() - start)
    local.store.close()
    with_ms = statistics.median(with_samples[300:]) * 1000
    without_ms = statistics.median(without_samples[300:]) * 1000
    print(
        f"request_path_added_by_iam_p50: {with_ms - without_ms:.4f} ms (target <= {TARGET_MS} ms; "
        f"peer the same GetItem through CloudApp without the IAM check: {without_ms:.4f} ms, "
        f"with: {with_ms:.4f} ms; ratio {with_ms / without_ms:.3f}; {load()})",
        flush=True,
    )


Measure = Callable[[], object]

if __name__ == "__main__":
    main()
