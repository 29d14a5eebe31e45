"""Event sources in the local cloud: SQS → Lambda throughput and latency, schedule accuracy.

Run: ``python bench/bench_events.py``. Prints one line per figure: ``name: value unit (target ...)``.

A local cloud starts in a temporary ``SQUALL_HOME``. Handlers report their start time to the bench
over a loopback UDP socket, so no measurement goes through the cloud it measures.

- throughput: ``PRODUCERS`` threads send ``MESSAGES`` messages (batches of 10) to a queue whose
  mapping is running (trivial consumer, batches of 10); the clock runs from the first send until
  the queue is empty. (Producers and consumer run together: moto's SQS costs grow with a queue's
  backlog, so a queue filled with thousands of messages first would measure moto, not delivery.)
- latency: one message at a time; from the moment the bench sends ``SendMessage`` (so the figure
  includes the request's own round trip) to the handler's start;
- schedule accuracy: ``RULES`` ``rate(1 minute)`` rules created a little apart, each firing once a
  minute after its creation; the lateness of the handler's start after the scheduled instant.
"""

from __future__ import annotations

import io
import json
import socket
import statistics
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import botocore.config

from squall import cloud

MESSAGES = 10_000
LATENCY_SAMPLES = 200
RULES = 20
PRODUCERS = 4

NOOP = "def handler(event, context):\n    return None\n"
REPORTER = """
import json, os, socket, time

_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def handler(event, context):
    started = time.time()
    if "Records" in event:
        keys = [r["body"] for r in event["Records"]]
    else:
        keys = [event["resources"][0]]
    _sock.sendto(json.dumps({"keys": keys, "at": started}).encode(), ("127.0.0.1", int(os.environ["PORT"])))
"""
ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


class Bench:
    def __init__(self, endpoint: str, home: Path) -> None:
        key = cloud.credentials(home)
        session = boto3.Session(
            region_name="us-east-1",
            aws_access_key_id=key.access_key_id,
            aws_secret_access_key=key.secret_access_key,
        )
        config = botocore.config.Config(retries={"max_attempts": 2}, max_pool_connections=20)
        self.sqs = session.client("sqs", endpoint_url=endpoint, config=config)
        self.lam = session.client("lambda", endpoint_url=endpoint, config=config)
        self.events = session.client("events", endpoint_url=endpoint, config=config)
        self.role = session.client("iam", endpoint_url=endpoint).create_role(
            RoleName="bench", AssumeRolePolicyDocument=ROLE_POLICY
        )["Role"]["Arn"]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.port = self.udp.getsockname()[1]

    def function(self, name: str, source: str) -> str:
        created = self.lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=self.role,
            Handler="app.handler",
            Code={"ZipFile": zipped(source)},
            Timeout=30,
            Environment={"Variables": {"PORT": str(self.port)}},
        )
        return str(created["FunctionArn"])

    def queue(self, name: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return url, arn

    def receive(self, timeout: float) -> dict[str, Any] | None:
        self.udp.settimeout(timeout)
        try:
            data, _ = self.udp.recvfrom(65536)
        except TimeoutError:
            return None
        report: dict[str, Any] = json.loads(data)
        return report

    def create_rules(self, function_arn: str) -> dict[str, float]:
        """Rule ARN → the instant it fires first (creation + 60 s)."""
        due: dict[str, float] = {}
        for index in range(RULES):
            before = time.time()
            arn = self.events.put_rule(Name=f"bench-{index}", ScheduleExpression="rate(1 minute)")["RuleArn"]
            due[arn] = (before + time.time()) / 2 + 60
            self.events.put_targets(Rule=f"bench-{index}", Targets=[{"Id": "t", "Arn": function_arn}])
            time.sleep(0.25)
        return due

    def throughput(self) -> float:
        url, arn = self.queue("throughput")
        function = self.function("noop", NOOP)
        self.lam.invoke(FunctionName=function, Payload=b"{}")  # a warm worker, as a running app has
        self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=function, BatchSize=10)

        def produce(first: int) -> None:
            for start in range(first, MESSAGES, 10 * PRODUCERS):
                entries = [{"Id": str(i), "MessageBody": f"m{start + i}"} for i in range(10)]
                self.sqs.send_message_batch(QueueUrl=url, Entries=entries)

        began = time.perf_counter()
        with ThreadPoolExecutor(PRODUCERS) as pool:
            list(pool.map(produce, range(0, 10 * PRODUCERS, 10)))
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            if all(attributes[name] == "0" for name in names):
                break
            time.sleep(0.05)
        return MESSAGES / (time.perf_counter() - began)

    def latency(self, function_arn: str) -> list[float]:
        url, arn = self.queue("latency")
        self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=function_arn, BatchSize=1)
        samples: list[float] = []
        for index in range(LATENCY_SAMPLES + 5):
            sent = time.time()
            self.sqs.send_message(QueueUrl=url, MessageBody=f"l{index}")
            while True:
                report = self.receive(10.0)
                if report is None:
                    raise RuntimeError("a message was not delivered within 10 s")
                if report["keys"] == [f"l{index}"]:
                    break
            if index >= 5:  # the first ones start the worker
                samples.append((report["at"] - sent) * 1000)
        return samples


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    with tempfile.TemporaryDirectory() as home_dir:
        home = Path(home_dir)
        info = cloud.start(home, port=0)
        assert info is not None
        try:
            bench = Bench(info.endpoint, home)
            reporter = bench.function("reporter", REPORTER)
            bench.lam.invoke(FunctionName=reporter, Payload=json.dumps({"resources": ["warm"]}).encode())
            bench.receive(10.0)
            due = bench.create_rules(reporter)

            rate = bench.throughput()
            print(f"sqs_to_lambda_throughput: {rate:.0f} messages/s (target >= 1000)", flush=True)
            samples = bench.latency(reporter)
            print(
                f"sqs_delivery_latency_p50: {statistics.median(samples):.1f} ms "
                f"(target <= 20; p99 {percentile(samples, 0.99):.1f} ms; from SendMessage sent to handler start)",
                flush=True,
            )

            late: dict[str, float] = {}
            deadline = max(due.values()) + 5
            while len(late) < len(due) and time.time() < deadline:
                report = bench.receive(max(0.1, deadline - time.time()))
                if report is not None and report["keys"][0] in due and report["keys"][0] not in late:
                    late[report["keys"][0]] = report["at"] - due[report["keys"][0]]
            if len(late) < len(due):
                print(
                    f"schedule_fires_missing: {len(due) - len(late)} of {len(due)} rules did not fire in time"
                )
            errors = [abs(value) for value in late.values()] or [float("nan")]
            print(
                f"schedule_accuracy_p99: {percentile(errors, 0.99) * 1000:.0f} ms "
                f"(target <= 1000; {len(late)} fires, median {statistics.median(errors) * 1000:.0f} ms)",
                flush=True,
            )
        finally:
            cloud.stop(home)


if __name__ == "__main__":
    main()
