"""The cost of request validation, next to the request it guards, measured in one process and one run.

Run: ``python bench/bench_validation.py``. The request is the one boto3 sends (serialized by botocore's
own serializer); validation (``squall.cloud.validation.check``) and the local cloud's request path
without it (``LocalCloud.call``: moto under the state lock, journaled) are timed on the same bytes,
each as the median of many runs. Prints ``name: value unit (target ...; peer ...: value unit; load ...)``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.session
from botocore.serialize import create_serializer

from squall.cloud.core import LocalCloud
from squall.cloud.plugins import CloudRequest, Registry
from squall.cloud.store import Store
from squall.cloud.validation import check

TABLE = "bench"


def p50_ms(action: Callable[[int], object], count: int, warmup: int = 200) -> float:
    for i in range(warmup):
        action(i)
    samples = []
    for i in range(count):
        start = time.perf_counter()
        action(i)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def dynamodb_request(operation: str, params: dict[str, Any]) -> CloudRequest:
    """The request botocore would send for ``operation``, as the local cloud receives it."""
    model = botocore.session.get_session().get_service_model("dynamodb")
    serialized = create_serializer("json").serialize_to_request(params, model.operation_model(operation))
    headers = {k.lower(): v for k, v in serialized["headers"].items()}
    headers["authorization"] = "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/dynamodb/aws4_request"
    return CloudRequest("dynamodb", operation, "POST", "/", "", headers, serialized["body"])


def put_item(i: int) -> CloudRequest:
    return dynamodb_request(
        "PutItem", {"TableName": TABLE, "Item": {"pk": {"S": f"p{i % 500}"}, "v": {"N": str(i)}}}
    )


def batch_write(i: int) -> CloudRequest:
    requests = [
        {"PutRequest": {"Item": {"pk": {"S": f"b{i % 20}-{n}"}, "payload": {"S": "y" * 100}}}}
        for n in range(25)
    ]
    return dynamodb_request("BatchWriteItem", {"RequestItems": {TABLE: requests}})


def load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="squall-bench-") as folder:
        data = Path(folder) / "cloud"
        (data / "state").mkdir(parents=True)
        cloud = LocalCloud(data, Registry(), Store(data / "state", key=os.urandom(32), max_records=10**9))
        cloud.recover()
        cloud.call(
            dynamodb_request(
                "CreateTable",
                {
                    "TableName": TABLE,
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "BillingMode": "PAY_PER_REQUEST",
                },
            )
        )
        figures = [
            ("validation_put_item_p50_added", put_item, "<= 0.1 ms", 5000),
            ("validation_batch_write_25_items_p50_added", batch_write, "<= 0.5 ms", 1000),
        ]
        for name, build, target, count in figures:
            requests = [build(i) for i in range(500)]
            assert all(check(r) is None for r in requests), "the benchmark's requests must be valid"
            added = p50_ms(lambda i, requests=requests: check(requests[i % 500]), count)
            served = p50_ms(
                lambda i, requests=requests: cloud.call(requests[i % 500]), min(count, 1000), warmup=50
            )
            print(
                f"{name}: {added:.4f} ms (target {target}; peer the same request through the local cloud "
                f"without validation: {served:.3f} ms; load average {load()})",
                flush=True,
            )
        cloud.store.close()


if __name__ == "__main__":
    main()
