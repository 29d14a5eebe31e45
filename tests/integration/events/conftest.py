"""Fixtures for event-source tests: functions that record what they receive.

- ``results_table``: one DynamoDB table per session (``run`` + ``id`` keys) the recorders write to.
- ``deploy_function``: ``deploy_function(SOURCE, environment={...})`` creates a Lambda function from a
  one-file handler and returns its ARN.
- ``recorder``: ``recorder()`` deploys a function that stores every event it receives under a fresh
  run id, and returns a ``Recorder`` to read them back (``wait_for(n)`` polls with a deadline).
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.conftest import ClientFactory
from tests.integration.roles import grant
from tests.polling import eventually as wait_until

ASSUME_ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)

RECORDER = """
import json, os, time, uuid
import boto3

table = boto3.resource("dynamodb").Table(os.environ["RESULTS_TABLE"])


def handler(event, context):
    table.put_item(Item={
        "run": os.environ["RUN"],
        "id": uuid.uuid4().hex,
        "at": str(time.time()),
        "event": json.dumps(event),
    })
    return None
"""


def zip_source(source: str, name: str = "app.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def lambda_role_arn(aws_client: ClientFactory) -> str:
    name = f"events-tests-{uuid.uuid4().hex[:8]}"
    role = aws_client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=ASSUME_ROLE_POLICY)
    grant(aws_client("iam"), name)
    return str(role["Role"]["Arn"])


@pytest.fixture(scope="session")
def results_table(aws_client: ClientFactory) -> str:
    name = f"event-results-{uuid.uuid4().hex[:8]}"
    aws_client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "run", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "run", "AttributeType": "S"},
            {"AttributeName": "id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


DeployFunction = Callable[..., str]


@pytest.fixture(scope="session")
def deploy_function(aws_client: ClientFactory, lambda_role_arn: str) -> DeployFunction:
    lam = aws_client("lambda")

    def deploy(source: str, environment: Mapping[str, str] | None = None, timeout: int = 10) -> str:
        name = f"events-fn-{uuid.uuid4().hex[:8]}"
        created = lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=lambda_role_arn,
            Handler="app.handler",
            Code={"ZipFile": zip_source(source)},
            Timeout=timeout,
            MemorySize=128,
            Environment={"Variables": dict(environment or {})},
        )
        return str(created["FunctionArn"])

    return deploy


@dataclass
class Recorder:
    arn: str
    run: str
    table: str
    dynamodb: Any

    def events(self) -> list[tuple[float, dict[str, Any]]]:
        """(handler start time, event) for every invocation so far, oldest first."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#r = :r",
            "ExpressionAttributeNames": {"#r": "run"},
            "ExpressionAttributeValues": {":r": {"S": self.run}},
            "ConsistentRead": True,
        }
        while True:
            page = self.dynamodb.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        found = [(float(i["at"]["S"]), json.loads(i["event"]["S"])) for i in items]
        return sorted(found, key=lambda pair: pair[0])

    def wait_for(self, count: int, timeout: float = 30.0) -> list[tuple[float, dict[str, Any]]]:
        return wait_until(  # type: ignore[no-any-return]
            lambda: found if len(found := self.events()) >= count else None,
            timeout,
            what=f"{count} recorded invocation(s) of {self.arn}",
        )


RecorderFactory = Callable[..., Recorder]


@pytest.fixture
def recorder(
    aws_client: ClientFactory, deploy_function: DeployFunction, results_table: str
) -> RecorderFactory:
    def make(source: str = RECORDER, environment: Mapping[str, str] | None = None) -> Recorder:
        run = uuid.uuid4().hex
        env = {"RESULTS_TABLE": results_table, "RUN": run, **(environment or {})}
        arn = deploy_function(source, env)
        return Recorder(arn, run, results_table, aws_client("dynamodb"))

    return make
