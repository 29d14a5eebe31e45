"""SQS → Lambda survives ``kill -9`` of the local cloud: every message is still processed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from squall import cloud
from tests.integration.conftest import clients_for
from tests.integration.events.conftest import ASSUME_ROLE_POLICY, wait_until, zip_source
from tests.integration.roles import grant

CONSUMER = """
import os, time
import boto3

table = boto3.resource("dynamodb").Table("results")


def handler(event, context):
    time.sleep(0.05)
    with table.batch_writer() as batch:
        for record in event["Records"]:
            batch.put_item(Item={"run": "durable", "id": record["body"]})
"""


@pytest.mark.timeout(180)
def test_messages_survive_a_killed_cloud(tmp_path: Path) -> None:
    home = tmp_path / "home"
    info = cloud.start(home, port=0)
    assert info is not None
    total = 300
    try:
        make = clients_for(home, info.endpoint)
        make("dynamodb").create_table(
            TableName="results",
            KeySchema=[
                {"AttributeName": "run", "KeyType": "HASH"},
                {"AttributeName": "id", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "run", "AttributeType": "S"},
                {"AttributeName": "id", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        role = make("iam").create_role(RoleName="consumer", AssumeRolePolicyDocument=ASSUME_ROLE_POLICY)
        grant(make("iam"), "consumer")
        function = make("lambda").create_function(
            FunctionName="consumer",
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": zip_source(CONSUMER)},
        )
        sqs = make("sqs")
        url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        make("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=function["FunctionArn"])
        for start in range(0, total, 10):
            sqs.send_message_batch(
                QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{start + i:03d}"} for i in range(10)]
            )

        def processed() -> set[str]:
            items: list[dict[str, dict[str, str]]] = []
            kwargs = {
                "TableName": "results",
                "KeyConditionExpression": "#r = :r",
                "ExpressionAttributeNames": {"#r": "run"},
                "ExpressionAttributeValues": {":r": {"S": "durable"}},
                "ConsistentRead": True,
            }
            while True:
                page = make("dynamodb").query(**kwargs)
                items += page["Items"]
                if "LastEvaluatedKey" not in page:
                    return {item["id"]["S"] for item in items}
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

        wait_until(lambda: len(processed()) >= 30, 60, what="some messages processed")
        os.kill(info.pid, signal.SIGKILL)
        wait_until(lambda: cloud.status(home) is None, 10, what="the daemon to be gone")
        info = cloud.start(home, port=0)
        assert info is not None
        make = clients_for(home, info.endpoint)
        sqs = make("sqs")
        url = sqs.get_queue_url(QueueName="work")["QueueUrl"]
        wait_until(lambda: len(processed()) == total, 90, what="every message processed after the restart")
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        wait_until(
            lambda: all(
                v == "0"
                for v in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values()
            ),
            30,
            what="the queue to be empty",
        )
        assert processed() == {f"m{i:03d}" for i in range(total)}
    finally:
        cloud.stop(home)
