"""Fixtures for IAM parity: a real local cloud, apps deployed to it with ``squall``'s own deploy, real workers.

- ``iam_cloud``: one local cloud for the module's tests (its own ``SQUALL_HOME``), stopped at the end;
- ``deploy_app``: ``deploy_app(config, stage)`` writes a project (``squall.config.py`` plus the probe
  handlers below) and deploys it; redeploying a stage with another config applies just the change;
- ``invoke``: runs a deployed function with an event and returns its result.

The probe handler makes one AWS call that the event describes and returns what AWS answered (the error
code, HTTP status and message when it failed), so a test asserts on exactly what the function saw.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest

from squall import cloud
from squall.cloud import CloudInfo
from squall.config import load_project
from squall.deploy import boto3_clients, deploy

PROBE = """
import boto3
from botocore.exceptions import ClientError


def probe(event):
    service, operation, params = event["service"], event["operation"], event.get("params", {})
    try:
        answer = getattr(boto3.client(service), operation)(**params)
    except ClientError as exc:
        error = exc.response["Error"]
        return {
            "ok": False,
            "code": error["Code"],
            "message": error["Message"],
            "status": exc.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    answer.pop("ResponseMetadata", None)
    return {"ok": True, "answer": answer}


def handler(event, context):
    if "service" in event:
        return probe(event)
    return {"records": len(event.get("Records", []))}
"""

Deploy = Callable[[str, str], None]
Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]


@pytest.fixture(scope="module")
def iam_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("iam-home")


@pytest.fixture(scope="module")
def iam_cloud(iam_home: Path) -> Iterator[CloudInfo]:
    info = cloud.start(iam_home, port=0)
    assert info is not None
    try:
        yield info
    finally:
        cloud.stop(iam_home)


@pytest.fixture(scope="module")
def root_client(iam_cloud: CloudInfo, iam_home: Path) -> Callable[[str], Any]:
    """boto3 clients signed with the home's own key: the developer (the account's root)."""
    key = cloud.credentials(iam_home)
    session = boto3.Session(
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
    )
    config = botocore.config.Config(
        s3={"addressing_style": "path"}, retries={"max_attempts": 2, "mode": "standard"}
    )

    def make(service: str) -> Any:
        return session.client(service, endpoint_url=iam_cloud.endpoint, config=config)  # type: ignore[call-overload]

    return make


@pytest.fixture
def deploy_app(tmp_path: Path, iam_cloud: CloudInfo, iam_home: Path) -> Deploy:
    root = tmp_path / "app"
    (root / "functions").mkdir(parents=True)
    (root / "functions" / "__init__.py").write_text("")
    (root / "functions" / "probe.py").write_text(PROBE)
    clients = boto3_clients(
        target="local",
        region="us-east-1",
        endpoint=iam_cloud.endpoint,
        credentials=cloud.credentials(iam_home),
    )

    def make(config: str, stage: str) -> None:
        (root / "squall.config.py").write_text(textwrap.dedent(config).lstrip())
        deploy(load_project(root / "squall.config.py", stage), clients=clients)

    return make


@pytest.fixture
def invoke(root_client: Callable[[str], Any]) -> Invoke:
    def run(function: str, event: dict[str, Any]) -> dict[str, Any]:
        reply = root_client("lambda").invoke(FunctionName=function, Payload=json.dumps(event).encode())
        result: dict[str, Any] = json.loads(reply["Payload"].read())
        assert "FunctionError" not in reply, result
        return result

    return run
