"""Naming requests: service from the signature, operation from target, action or REST route."""

from __future__ import annotations

import pytest

from squall.cloud.operations import Target, identify, is_mutating


def _auth(service: str, region: str = "eu-west-1") -> dict[str, str]:
    return {
        "authorization": f"AWS4-HMAC-SHA256 Credential=AK/20240101/{region}/{service}/aws4_request, Signature=x"
    }


def test_json_protocol() -> None:
    target = identify(
        "POST", "/", "", {**_auth("dynamodb"), "x-amz-target": "DynamoDB_20120810.PutItem"}, b"{}"
    )
    assert target == Target("dynamodb", "eu-west-1", "PutItem")
    assert is_mutating(target, "POST")


def test_streams_share_the_signing_name() -> None:
    headers = {**_auth("dynamodb"), "x-amz-target": "DynamoDBStreams_20120810.GetRecords"}
    target = identify("POST", "/", "", headers, b"{}")
    assert target.service == "dynamodbstreams" and not is_mutating(target, "POST")


def test_query_protocol_action_in_body() -> None:
    headers = {**_auth("iam", "us-east-1"), "content-type": "application/x-www-form-urlencoded"}
    target = identify("POST", "/", "", headers, b"Action=CreateRole&RoleName=x")
    assert target.operation == "CreateRole" and is_mutating(target, "POST")


def test_rest_operation_from_botocore_model() -> None:
    target = identify("POST", "/2015-03-31/functions/my-fn/invocations", "", _auth("lambda"), b"{}")
    assert target == Target("awslambda", "eu-west-1", "Invoke")
    assert identify("GET", "/2015-03-31/functions/my-fn", "", _auth("lambda"), b"").operation == "GetFunction"


def test_rest_reads_are_not_journaled() -> None:
    assert not is_mutating(Target("s3", "us-east-1", None), "GET")
    assert is_mutating(Target("s3", "us-east-1", None), "PUT")


def test_api_gateway_versions_are_told_apart_by_path() -> None:
    rest = identify("GET", "/restapis", "", _auth("apigateway"), b"")
    assert (rest.service, rest.operation) == ("apigateway", "GetRestApis")
    assert identify("GET", "/v2/apis", "", _auth("apigateway"), b"").service == "apigatewayv2"


def test_unsigned_defaults_to_s3_and_presigned_urls_are_read() -> None:
    assert identify("GET", "/bucket/key", "", {}, b"").service == "s3"
    query = "X-Amz-Credential=AK%2F20240101%2Fap-south-1%2Fs3%2Faws4_request&X-Amz-Signature=x"
    assert identify("GET", "/bucket/key", query, {}, b"").region == "ap-south-1"


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "operation"),
    [
        # botocore names the operation with ``x-id``; without it the required inputs decide
        ("DELETE", "/b/k", "x-id=DeleteObject", {}, "DeleteObject"),
        ("DELETE", "/b/k", "", {}, "DeleteObject"),
        ("DELETE", "/b/k", "uploadId=u&x-id=AbortMultipartUpload", {}, "AbortMultipartUpload"),
        ("DELETE", "/b/k", "uploadId=u", {}, "AbortMultipartUpload"),
        ("PUT", "/b/k", "x-id=PutObject", {}, "PutObject"),
        ("PUT", "/b/k", "", {}, "PutObject"),
        ("PUT", "/b/k", "", {"x-amz-copy-source": "/a/k"}, "CopyObject"),
        ("PUT", "/b/k", "partNumber=1&uploadId=u", {}, "UploadPart"),
        ("PUT", "/b/k", "partNumber=1&uploadId=u", {"X-Amz-Copy-Source": "/a/k"}, "UploadPartCopy"),
        ("GET", "/b", "", {}, "ListObjects"),
        ("GET", "/b", "list-type=2", {}, "ListObjectsV2"),
    ],
)
def test_s3_operations_are_told_apart(
    method: str, path: str, query: str, headers: dict[str, str], operation: str
) -> None:
    assert identify(method, path, query, {**_auth("s3"), **headers}, b"").operation == operation
