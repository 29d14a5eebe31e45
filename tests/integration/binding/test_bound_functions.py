"""Binding in the local cloud: deployed functions use ``Resource``; secrets stay out of env, state and logs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from squall import cloud
from squall.binding.secrets import Secrets
from squall.cloud import CloudInfo
from squall.config import load_project
from squall.deploy import boto3_clients, deploy
from tests.conftest import EXAMPLES
from tests.integration.conftest import ClientFactory

CONFIG = """
from squall.constructs import Function, Secret, Table


def config(input):
    return {"name": "binder"}


def stacks(app):
    app.stack(main)


def main(stack):
    notes = Table(stack, "Notes", fields={"id": "string"}, primary_index={"partition_key": "id"})
    key = Secret(stack, "ApiKey")
    Function(stack, "Writer", handler="functions/writer.handler", bind=[notes, key])
    Function(stack, "Loner", handler="functions/loner.handler")
"""

WRITER = """
import os
import boto3
from squall import Resource

table = boto3.resource("dynamodb").Table(Resource.Notes.table_name)


def handler(event, context):
    table.put_item(Item={"id": event["id"], "by": context.function_name})
    item = table.get_item(Key={"id": event["id"]})["Item"]
    secret = Resource.ApiKey.value
    return {
        "item": item,
        "table": Resource.Notes.table_name,
        "arn": Resource.Notes.arn,
        "secret_length": len(secret),
        "secret_in_env": any(secret in value for value in os.environ.values()),
        "app": Resource.App.name,
        "stage": Resource.App.stage,
    }
"""

LONER = """
from squall import Resource


def handler(event, context):
    return Resource.Notes.table_name
"""

SECRET = "s3cr3t-value-7f1c"


@pytest.fixture
def deployed(
    tmp_path: Path, local_cloud: CloudInfo, aws_client: ClientFactory, unique_name: Callable[[str], str]
) -> tuple[str, Any]:
    root = tmp_path / "binder"
    (root / "functions").mkdir(parents=True)
    (root / "squall.config.py").write_text(CONFIG)
    (root / "functions" / "__init__.py").write_text("")
    (root / "functions" / "writer.py").write_text(textwrap.dedent(WRITER))
    (root / "functions" / "loner.py").write_text(textwrap.dedent(LONER))
    stage = unique_name("bind")
    Secrets(aws_client("ssm"), "binder", stage).set("ApiKey", SECRET)
    project = load_project(root / "squall.config.py", stage)
    clients = boto3_clients(
        target="local",
        region="us-east-1",
        endpoint=local_cloud.endpoint,
        credentials=cloud.credentials(local_cloud.home),
    )
    deploy(project, clients=clients)
    return stage, clients


def invoke(aws_client: ClientFactory, name: str, event: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    response = aws_client("lambda").invoke(FunctionName=name, Payload=json.dumps(event).encode())
    return json.loads(response["Payload"].read()), response.get("FunctionError")


def test_bound_function_uses_resource_and_its_secret(
    deployed: tuple[str, Any], aws_client: ClientFactory
) -> None:
    stage, _ = deployed
    result, error = invoke(aws_client, f"binder-{stage}-Writer", {"id": "n1"})
    assert error is None, result
    assert result["item"] == {"id": "n1", "by": f"binder-{stage}-Writer"}
    assert result["table"] == f"binder-{stage}-Notes"
    assert result["arn"] == f"arn:aws:dynamodb:us-east-1:123456789012:table/binder-{stage}-Notes"
    assert result["secret_length"] == len(SECRET) and result["secret_in_env"] is False
    assert (result["app"], result["stage"]) == ("binder", stage)


def test_unbound_resource_gives_a_clear_error(deployed: tuple[str, Any], aws_client: ClientFactory) -> None:
    stage, _ = deployed
    result, error = invoke(aws_client, f"binder-{stage}-Loner", {})
    assert error == "Unhandled"
    assert result["errorType"] == "UnboundResourceError"
    assert f"Resource.Notes is not bound to binder-{stage}-Loner" in result["errorMessage"]
    assert "bind(" in result["errorMessage"]


def test_secret_value_is_absent_from_env_state_and_logs(
    deployed: tuple[str, Any], aws_client: ClientFactory
) -> None:
    stage, _ = deployed
    name = f"binder-{stage}-Writer"
    invoke(aws_client, name, {"id": "n2"})
    configuration = aws_client("lambda").get_function_configuration(FunctionName=name)
    assert SECRET not in json.dumps(configuration)
    s3 = aws_client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        if bucket["Name"].startswith("squall-state-"):
            for item in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", []):
                assert (
                    SECRET.encode()
                    not in s3.get_object(Bucket=bucket["Name"], Key=item["Key"])["Body"].read()
                )
    logs = aws_client("logs")
    deadline = time.monotonic() + 15
    messages: list[str] = []
    while time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        messages = [event["message"] for event in events]
        if any(message.startswith("REPORT") for message in messages):
            break
        time.sleep(0.1)
    assert any(message.startswith("REPORT") for message in messages)
    assert not any(SECRET in message for message in messages)


def test_shell_reads_and_writes_the_examples_table(
    tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
) -> None:
    root = tmp_path / "url-shortener"
    shutil.copytree(EXAMPLES / "url-shortener", root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
    stage = unique_name("shell")
    env = {**os.environ, "SQUALL_HOME": str(local_cloud_home)}
    deployed = subprocess.run(
        [sys.executable, "-m", "squall.cli", "deploy", "--stage", stage],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert deployed.returncode == 0, deployed.stderr
    script = (
        "import boto3; from squall import Resource; "
        "t = boto3.resource('dynamodb').Table(Resource.Urls.table_name); "
        "t.put_item(Item={'shortCode': 'from-shell', 'longUrl': 'https://example.com', 'clicks': 0}); "
        "print(t.get_item(Key={'shortCode': 'from-shell'})['Item']['longUrl'], Resource.App.stage)"
    )
    ran = subprocess.run(
        [sys.executable, "-m", "squall.cli", "shell", "--stage", stage, "--", sys.executable, "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["https://example.com", stage]
    failing = subprocess.run(
        [
            sys.executable,
            "-m",
            "squall.cli",
            "shell",
            "--stage",
            stage,
            "--",
            sys.executable,
            "-c",
            "raise SystemExit(3)",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failing.returncode == 3
