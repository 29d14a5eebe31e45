"""The jobs example, deployed with ``squall deploy`` to a local cloud: every event source runs its job."""

from __future__ import annotations

import calendar
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from squall.cloud import CloudInfo
from tests.conftest import EXAMPLES
from tests.integration.conftest import ClientFactory
from tests.polling import eventually as wait_until


@pytest.mark.timeout(240)
def test_jobs_example_runs_every_job(
    tmp_path: Path,
    local_cloud: CloudInfo,
    local_cloud_home: Path,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    root = tmp_path / "jobs"
    shutil.copytree(EXAMPLES / "jobs", root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
    stage = unique_name("ev")
    env = {**os.environ, "SQUALL_HOME": str(local_cloud_home)}

    def squall(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "squall.cli", *args, "--stage", stage],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    deployed_at = time.time()
    deploy = squall("deploy", "--yes")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    prefix = f"jobs-{stage}"
    ddb, sqs, s3, sns = aws_client("dynamodb"), aws_client("sqs"), aws_client("s3"), aws_client("sns")

    def runs(job: str) -> list[dict[str, Any]]:
        items = ddb.query(
            TableName=f"{prefix}-Runs",
            KeyConditionExpression="job = :j",
            ExpressionAttributeValues={":j": {"S": job}},
            ConsistentRead=True,
        )["Items"]
        return [json.loads(item["detail"]["S"]) for item in items]

    orders_url = sqs.get_queue_url(QueueName=f"{prefix}-Orders")["QueueUrl"]
    failed_url = sqs.get_queue_url(QueueName=f"{prefix}-FailedOrders")["QueueUrl"]
    for quantity in (1, 2, 0, 3):
        sqs.send_message(QueueUrl=orders_url, MessageBody=json.dumps({"quantity": quantity}))
    s3.put_object(Bucket=f"{prefix}-uploads", Key="incoming/report 1.csv", Body=b"a,b\n")
    s3.put_object(Bucket=f"{prefix}-uploads", Key="elsewhere/ignored.csv", Body=b"x")
    topic = next(
        t["TopicArn"]
        for t in sns.list_topics()["Topics"]
        if t["TopicArn"].endswith(f":{prefix}-Announcements")
    )
    sns.publish(TopicArn=topic, Subject="release", Message="v1 is out")

    orders = wait_until(lambda: found if len(found := runs("orders")) >= 3 else None, 60, "3 orders")
    assert sorted(order["quantity"] for order in orders) == [1, 2, 3]
    assert wait_until(lambda: runs("uploads"), 30, "the upload job") == [
        {"key": "incoming/report 1.csv", "size": 4}
    ]
    assert wait_until(lambda: runs("announcements"), 30, "the announcement job") == [
        {"subject": "release", "message": "v1 is out"}
    ]
    # the bad order is retried (visibility timeout 30 s) until it is dead-lettered: check it is held back
    attributes = sqs.get_queue_attributes(
        QueueUrl=orders_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert sqs.receive_message(QueueUrl=failed_url).get("Messages") is None

    [beat] = wait_until(lambda: runs("heartbeat"), 90, "the heartbeat schedule")
    assert beat["rule"].endswith(f":rule/{prefix}-Heartbeat")
    assert calendar.timegm(time.strptime(beat["time"], "%Y-%m-%dT%H:%M:%SZ")) >= int(deployed_at) + 59

    removed = squall("remove", "--yes")
    assert removed.returncode == 0, removed.stdout + removed.stderr
