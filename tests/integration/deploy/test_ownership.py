"""Ownership: everything a stage creates carries its tags; what is not the stage's is never adopted, changed
or deleted, whatever its name; ``prod`` and ``Prod`` can never share a resource."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from squall.cloud import CloudInfo
from squall.deploy import Clients, deploy, diff, remove
from squall.deploy.engine import Session
from squall.deploy.errors import NotOwned
from squall.deploy.providers import PROVIDERS
from tests.conftest import EXAMPLES, ProjectFactory
from tests.integration.deploy.helpers import leftovers, load

REGION = "us-east-1"
OWNED = """
from squall.constructs import Bucket, Function, Table

def config(input):
    return {"name": "owned"}

def stacks(app):
    app.stack(main)

def main(stack):
    uploads = Bucket(stack, "Uploads")
    items = Table(stack, "Items", fields={"pk": "string"}, primary_index={"partition_key": "pk"})
    Function(stack, "Fn", "fn.handler", bind=[uploads, items])
"""
HANDLER = {"fn.py": "def handler(event, context):\n    return 1\n"}
UNTAGGABLE = {  # AWS has no tags for these: they belong to the API, function, topic, queue or pool they are part of
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Stage",  # tagged when created; its API decides whose it is
    "AWS::Cognito::UserPoolClient",
    "AWS::Lambda::Permission",
    "AWS::SNS::Subscription",
    "AWS::SQS::QueuePolicy",
}


def tags_of(clients: Clients, type_name: str, physical_id: str, attributes: dict[str, str]) -> dict[str, str]:
    """A resource's tags, read with each service's own API."""

    def pairs(items: list[dict[str, str]]) -> dict[str, str]:
        return {item["Key"]: item["Value"] for item in items}

    arn = attributes.get("Arn", "")
    if type_name == "AWS::IAM::Role":
        return pairs(clients("iam").list_role_tags(RoleName=physical_id)["Tags"])
    if type_name in ("AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping"):
        return dict(clients("lambda").list_tags(Resource=arn)["Tags"])
    if type_name == "AWS::Logs::LogGroup":
        return dict(clients("logs").list_tags_for_resource(resourceArn=arn.removesuffix(":*"))["tags"])
    if type_name == "AWS::DynamoDB::Table":
        return pairs(clients("dynamodb").list_tags_of_resource(ResourceArn=arn)["Tags"])
    if type_name == "AWS::S3::Bucket":
        return pairs(clients("s3").get_bucket_tagging(Bucket=physical_id)["TagSet"])
    if type_name == "AWS::SQS::Queue":
        return dict(clients("sqs").list_queue_tags(QueueUrl=physical_id)["Tags"])
    if type_name == "AWS::SNS::Topic":
        return pairs(clients("sns").list_tags_for_resource(ResourceArn=physical_id)["Tags"])
    if type_name == "AWS::Events::Rule":
        return pairs(clients("events").list_tags_for_resource(ResourceARN=arn)["Tags"])
    if type_name == "AWS::ApiGatewayV2::Api":
        return dict(clients("apigatewayv2").get_api(ApiId=physical_id)["Tags"])
    if type_name == "AWS::Cognito::UserPool":
        return dict(
            clients("cognito-idp").describe_user_pool(UserPoolId=physical_id)["UserPool"]["UserPoolTags"]
        )
    raise AssertionError(f"no tag reader for {type_name}: a new resource type needs its ownership tags")


def test_every_resource_a_stage_creates_carries_its_tags(
    tmp_path: Path, stage: str, clients: Clients
) -> None:
    checked: set[str] = set()
    for example in ("jobs", "url-shortener", "auth"):  # together they use every resource type squall deploys
        root = tmp_path / example
        shutil.copytree(EXAMPLES / example, root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
        project = load(root, stage)
        deploy(project, clients=clients)
        session = Session(clients, project.graph)
        session.connect()
        for logical_id, entry in session.store().load().resources.items():
            if entry.type in UNTAGGABLE:
                continue
            assert entry.physical_id is not None
            tags = tags_of(clients, entry.type, entry.physical_id, entry.attributes)
            assert tags == {"squall:app": project.graph.app, "squall:stage": stage}, logical_id
            checked.add(entry.type)
        remove(project, clients=clients)
        assert leftovers(clients, f"{project.graph.app}-{stage}-") == {}
    assert checked == {t for t, provider in PROVIDERS.items() if provider.taggable}
    assert checked | UNTAGGABLE == set(PROVIDERS)


def test_a_resource_named_like_the_stages_but_not_its_own_is_never_adopted(
    make_project: ProjectFactory, stage: str, clients: Clients
) -> None:
    root = make_project(OWNED, HANDLER)
    project = load(root, stage)
    s3, ddb = clients("s3"), clients("dynamodb")
    bucket = project.graph.resource("Uploads").physical_name
    table = project.graph.resource("Items").physical_name
    assert bucket and table
    s3.create_bucket(Bucket=bucket)  # made by hand: no tags
    s3.put_object(Bucket=bucket, Key="precious", Body=b"data")
    theirs = [{"Key": "squall:app", "Value": "owned"}, {"Key": "squall:stage", "Value": "other"}]
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=theirs,
    )
    try:
        planned = diff(project, clients=clients)
        assert len(planned.problems) == 2
        with pytest.raises(NotOwned) as caught:
            deploy(project, clients=clients)
        message = str(caught.value)
        assert "nothing was changed" in message
        assert f"Uploads ({bucket}, AWS::S3::Bucket) exists and belongs to no stage of squall's" in message
        assert (
            f"Items ({table}, AWS::DynamoDB::Table) exists and belongs to app 'owned' stage 'other'"
            in message
        )
        assert f"squall:stage={stage}" in message  # how to hand it over on purpose

        assert leftovers(clients, f"owned-{stage}-").keys() == {"buckets", "tables"}, "nothing else was made"
        assert s3.get_object(Bucket=bucket, Key="precious")["Body"].read() == b"data"
        with pytest.raises(s3.exceptions.ClientError):
            s3.get_bucket_tagging(Bucket=bucket)
        arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
        assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == theirs
        session = Session(clients, project.graph)
        session.connect()
        assert session.store().load().resources == {}
    finally:
        s3.delete_object(Bucket=bucket, Key="precious")
        s3.delete_bucket(Bucket=bucket)
        ddb.delete_table(TableName=table)


def test_remove_deletes_only_what_carries_the_stages_tags(
    make_project: ProjectFactory, stage: str, clients: Clients
) -> None:
    root = make_project(OWNED, HANDLER)
    project = load(root, stage)
    deploy(project, clients=clients)
    s3, ddb = clients("s3"), clients("dynamodb")
    bucket = project.graph.resource("Uploads").physical_name
    table = project.graph.resource("Items").physical_name
    assert bucket and table
    s3.put_object(Bucket=bucket, Key="precious", Body=b"data")
    # The bucket is handed to another stage, the table loses its tags: neither is this stage's any more.
    s3.put_bucket_tagging(
        Bucket=bucket,
        Tagging={
            "TagSet": [{"Key": "squall:app", "Value": "owned"}, {"Key": "squall:stage", "Value": "other"}]
        },
    )
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    ddb.untag_resource(ResourceArn=arn, TagKeys=["squall:app", "squall:stage"])
    try:
        removal = remove(project, clients=clients)
        kept = {step.logical_id: step.kept for step in removal.kept}
        assert kept == {
            "Uploads": "it belongs to app 'owned' stage 'other'",
            "Items": "it belongs to no stage of squall's: it has no squall:app and squall:stage tags",
        }
        assert s3.get_object(Bucket=bucket, Key="precious")["Body"].read() == b"data"
        assert ddb.describe_table(TableName=table)["Table"]["TableName"] == table
        assert leftovers(clients, f"owned-{stage}-").keys() == {"buckets", "tables"}
    finally:
        s3.delete_object(Bucket=bucket, Key="precious")
        s3.delete_bucket(Bucket=bucket)
        ddb.delete_table(TableName=table)


def test_prod_and_Prod_never_share_a_bucket(
    make_project: ProjectFactory, clients: Clients, local_cloud: CloudInfo, local_cloud_home: Path
) -> None:
    root = make_project(OWNED, HANDLER)
    lower = f"p{uuid.uuid4().hex[:8]}"
    upper = lower.capitalize()
    env = {**os.environ, "SQUALL_HOME": str(local_cloud_home), "SQUALL_CLOUD_PORT": str(local_cloud.port)}

    def squall(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "squall.cli", *args],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )

    deployed = squall("deploy", "--stage", lower)
    assert deployed.returncode == 0, deployed.stderr
    bucket = load(root, lower).graph.resource("Uploads").physical_name
    s3 = clients("s3")
    s3.put_object(Bucket=bucket, Key="precious", Body=b"data")
    before = leftovers(clients, f"owned-{lower}-")

    for command in (["deploy"], ["remove", "--yes"], ["diff"]):
        refused = squall(*command, "--stage", upper)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert f"invalid stage name '{upper}'" in refused.stderr and f"use '{lower}'" in refused.stderr
        assert "Traceback" not in refused.stderr

    assert leftovers(clients, f"owned-{lower}-") == before
    assert s3.get_object(Bucket=bucket, Key="precious")["Body"].read() == b"data"
    assert diff(load(root, lower), clients=clients).is_empty
    s3.delete_object(Bucket=bucket, Key="precious")
    remove(load(root, lower), clients=clients)
