"""The jobs example under ``squall dev``: queue, bucket and topic events run in the dev session's workers."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from squall.cloud import CloudInfo
from tests.conftest import EXAMPLES
from tests.e2e.events.test_jobs_example import wait_until
from tests.integration.conftest import ClientFactory
from tests.squall_process import SquallProcess


@pytest.mark.timeout(240)
def test_events_reach_live_functions(
    tmp_path: Path,
    local_cloud: CloudInfo,
    local_cloud_home: Path,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    root = tmp_path / "jobs"
    shutil.copytree(EXAMPLES / "jobs", root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
    stage = unique_name("evdev")
    prefix = f"jobs-{stage}"
    dev = SquallProcess(
        ["dev", "--stage", stage, "--no-console"], cwd=root, env={"SQUALL_HOME": str(local_cloud_home)}
    )
    ddb, sqs, s3, sns = aws_client("dynamodb"), aws_client("sqs"), aws_client("s3"), aws_client("sns")

    def runs(job: str) -> list[dict[str, Any]]:
        items = ddb.query(
            TableName=f"{prefix}-Runs",
            KeyConditionExpression="job = :j",
            ExpressionAttributeValues={":j": {"S": job}},
            ConsistentRead=True,
        )["Items"]
        return [json.loads(item["detail"]["S"]) for item in items]

    try:
        dev.wait_for(lambda line: line.startswith("Ready."), timeout=120)
        # Edit the queue consumer while dev runs: the queue's next batch is handled by the new code.
        orders = root / "functions" / "orders.py"
        orders.write_text(
            orders.read_text().replace('record("orders", order)', 'record("orders", {**order, "live": True})')
        )
        dev.wait_for(lambda line: "reloaded OrdersConsumer" in line)
        queue = sqs.get_queue_url(QueueName=f"{prefix}-Orders")["QueueUrl"]
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"quantity": 5}))
        s3.put_object(Bucket=f"{prefix}-uploads", Key="incoming/live.csv", Body=b"12345")
        topic = next(
            t["TopicArn"]
            for t in sns.list_topics()["Topics"]
            if t["TopicArn"].endswith(f":{prefix}-Announcements")
        )
        sns.publish(TopicArn=topic, Subject="dev", Message="from the test")

        assert wait_until(lambda: runs("orders"), 60, "the order") == [{"quantity": 5, "live": True}]
        assert wait_until(lambda: runs("uploads"), 60, "the upload") == [
            {"key": "incoming/live.csv", "size": 5}
        ]
        assert wait_until(lambda: runs("announcements"), 60, "the announcement") == [
            {"subject": "dev", "message": "from the test"}
        ]
        dev.wait_for(lambda line: "OrdersConsumer" in line and "sqs" in line)
        dev.wait_for(lambda line: "UploadsNotificationreceived" in line and "s3" in line)
        dev.wait_for(lambda line: "AnnouncementsSubscriberlog" in line and "sns" in line.lower())
        assert dev.interrupt() == 0
    finally:
        dev.kill()
