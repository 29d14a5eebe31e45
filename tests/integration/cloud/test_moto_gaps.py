"""What moto lacks: UpdateStage is filled in; an operation it does not implement is a plain 501, not retried."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import ClientFactory


def test_update_stage(aws_client: ClientFactory, unique_name: Callable[[str], str]) -> None:
    client = aws_client("apigatewayv2")
    api = client.create_api(Name=unique_name("stage"), ProtocolType="HTTP")["ApiId"]
    client.create_stage(ApiId=api, StageName="$default", AutoDeploy=False, StageVariables={"a": "1"})
    updated = client.update_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    assert updated["StageName"] == "$default" and updated["AutoDeploy"] is True
    stage = client.get_stage(ApiId=api, StageName="$default")
    assert stage["AutoDeploy"] is True and stage["StageVariables"] == {"a": "1"}
    with pytest.raises(ClientError) as missing:
        client.update_stage(ApiId=api, StageName="nope", AutoDeploy=True)
    assert missing.value.response["Error"]["Code"] == "NotFoundException"


def test_unimplemented_operations_answer_501_at_once(aws_client: ClientFactory) -> None:
    client = aws_client("dynamodb")
    with pytest.raises(ClientError) as raised:
        client.list_contributor_insights()
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error["Error"]["Code"] == "NotImplementedException"
    assert error["ResponseMetadata"]["RetryAttempts"] == 0


def test_a_bucket_created_with_tags_has_them(
    aws_client: ClientFactory, unique_name: Callable[[str], str]
) -> None:
    s3 = aws_client("s3")
    name = unique_name("tagged")
    tags = [{"Key": "squall:app", "Value": "shop"}, {"Key": "squall:stage", "Value": "prod & <qa>"}]
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"Tags": tags})
    assert sorted(s3.get_bucket_tagging(Bucket=name)["TagSet"], key=lambda t: t["Key"]) == tags

    plain = unique_name("plain")
    s3.create_bucket(Bucket=plain)
    with pytest.raises(ClientError) as untagged:
        s3.get_bucket_tagging(Bucket=plain)
    assert untagged.value.response["Error"]["Code"] == "NoSuchTagSet"

    refused = unique_name("refused")
    with pytest.raises(ClientError):
        s3.create_bucket(Bucket=refused, CreateBucketConfiguration={"Tags": [{"Key": "aws:x", "Value": "1"}]})
    assert refused not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_conditional_writes_of_an_object(
    aws_client: ClientFactory, unique_name: Callable[[str], str]
) -> None:
    """S3's ``If-Match`` / ``If-None-Match`` on PutObject and ``If-Match`` on DeleteObject: 412 when stale."""
    s3 = aws_client("s3")
    bucket = unique_name("conditional")
    s3.create_bucket(Bucket=bucket)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"1", IfNoneMatch="*")["ETag"]
    with pytest.raises(ClientError) as exists:
        s3.put_object(Bucket=bucket, Key="k", Body=b"2", IfNoneMatch="*")
    assert exists.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert exists.value.response["Error"]["Code"] == "PreconditionFailed"
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"2", IfMatch=first)["ETag"]
    with pytest.raises(ClientError) as stale:
        s3.put_object(Bucket=bucket, Key="k", Body=b"3", IfMatch=first)
    assert stale.value.response["Error"]["Code"] == "PreconditionFailed"
    with pytest.raises(ClientError) as stale_delete:
        s3.delete_object(Bucket=bucket, Key="k", IfMatch=first)
    assert stale_delete.value.response["Error"]["Code"] == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"2"
    s3.delete_object(Bucket=bucket, Key="k", IfMatch=second)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="k")
