"""Signed requests over real HTTP with real botocore: refusals in each service's words, never retried;
expiry and clock skew; payload hashes, aws-chunked bodies and POST policies on the wire; the principals
behind the home's key, role sessions and IAM users."""

from __future__ import annotations

import datetime
import hashlib
import http.client
import io
import json
import os
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.auth
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum
from urllib3 import encode_multipart_formdata

from squall import cloud
from squall.cloud import CloudInfo
from squall.cloud.auth import sigv4
from tests.integration.cloud.conftest import Daemons
from tests.integration.conftest import REGION, ClientFactory

CALLS: dict[str, Callable[[Any], Any]] = {
    "s3": lambda c: c.list_buckets(),
    "dynamodb": lambda c: c.list_tables(),
    "sqs": lambda c: c.list_queues(),
    "logs": lambda c: c.describe_log_groups(),
    "events": lambda c: c.list_rules(),
    "ssm": lambda c: c.describe_parameters(),
    "lambda": lambda c: c.list_functions(),
    "apigatewayv2": lambda c: c.get_apis(),
    "iam": lambda c: c.list_roles(),
    "sts": lambda c: c.get_caller_identity(),
    "sns": lambda c: c.list_topics(),
}
WRONG_SECRET = {
    "s3": (403, "SignatureDoesNotMatch"),
    "dynamodb": (400, "InvalidSignatureException"),
    "sqs": (403, "SignatureDoesNotMatch"),
    "logs": (400, "InvalidSignatureException"),
    "events": (400, "InvalidSignatureException"),
    "ssm": (400, "InvalidSignatureException"),
    "lambda": (403, "InvalidSignatureException"),
    "apigatewayv2": (403, "InvalidSignatureException"),
    "iam": (403, "SignatureDoesNotMatch"),
    "sts": (403, "SignatureDoesNotMatch"),
    "sns": (403, "SignatureDoesNotMatch"),
}
UNKNOWN_KEY = {
    "s3": (403, "InvalidAccessKeyId"),
    "dynamodb": (400, "UnrecognizedClientException"),
    "sqs": (403, "InvalidClientTokenId"),
    "lambda": (403, "UnrecognizedClientException"),
    "iam": (403, "InvalidClientTokenId"),
    "sts": (403, "InvalidClientTokenId"),
    "ssm": (400, "UnrecognizedClientException"),
}


def clients_with(
    info: CloudInfo, key_id: str, secret: str, retries: dict[str, Any] | None = None
) -> ClientFactory:
    """Clients signing with any key pair; ``retries`` as botocore's (standard mode, 3 attempts by default)."""
    session = boto3.Session(region_name=REGION, aws_access_key_id=key_id, aws_secret_access_key=secret)
    config = Config(
        s3={"addressing_style": "path"}, retries=retries or {"max_attempts": 3, "mode": "standard"}
    )
    return lambda service: session.client(service, endpoint_url=info.endpoint, config=config)  # type: ignore[call-overload]


def refused(call: Callable[[], Any]) -> tuple[int, str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    metadata = response["ResponseMetadata"]
    return metadata["HTTPStatusCode"], response["Error"]["Code"], metadata["RetryAttempts"]


@pytest.mark.parametrize("service", sorted(WRONG_SECRET))
def test_a_wrong_secret_gets_the_services_error_and_no_retry(
    service: str, local_cloud: CloudInfo, local_cloud_home: Path
) -> None:
    key = cloud.credentials(local_cloud_home)
    make = clients_with(
        local_cloud, key.access_key_id, "not-the-secret", retries={"max_attempts": 5, "mode": "standard"}
    )
    assert refused(lambda: CALLS[service](make(service))) == (*WRONG_SECRET[service], 0)


@pytest.mark.parametrize("service", sorted(UNKNOWN_KEY))
def test_an_unknown_key_gets_the_services_error_and_no_retry(service: str, local_cloud: CloudInfo) -> None:
    make = clients_with(
        local_cloud,
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        retries={"max_attempts": 5, "mode": "legacy"},
    )
    assert refused(lambda: CALLS[service](make(service))) == (*UNKNOWN_KEY[service], 0)


@pytest.fixture
def clock_behind(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Make botocore sign as if its clock were ``seconds`` behind."""

    def set_offset(seconds: float) -> None:
        monkeypatch.setattr(
            botocore.auth,
            "get_current_datetime",
            lambda: (
                datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(seconds=seconds)
            ),
        )

    return set_offset


def test_clock_skew_beyond_fifteen_minutes(
    aws_client: ClientFactory, clock_behind: Callable[[float], None], unique_name: Callable[[str], str]
) -> None:
    bucket = unique_name("skew")
    aws_client("s3").create_bucket(Bucket=bucket)
    clock_behind(14 * 60)
    aws_client("s3").put_object(Bucket=bucket, Key="k", Body=b"within the allowed skew")
    clock_behind(16 * 60)
    assert refused(lambda: aws_client("s3").put_object(Bucket=bucket, Key="k", Body=b"x")) == (
        403,
        "RequestTimeTooSkewed",
        0,
    )
    with pytest.raises(ClientError) as raised:
        aws_client("dynamodb").list_tables()
    assert raised.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert raised.value.response["Error"]["Message"].startswith("Signature expired: ")


def test_an_expired_presigned_url_is_access_denied(
    aws_client: ClientFactory,
    boto3_session: boto3.Session,
    local_cloud: CloudInfo,
    clock_behind: Callable[[float], None],
    unique_name: Callable[[str], str],
) -> None:
    bucket = unique_name("expiry")
    aws_client("s3").create_bucket(Bucket=bucket)
    aws_client("s3").put_object(Bucket=bucket, Key="k", Body=b"data")
    v4 = boto3_session.client(
        "s3",
        endpoint_url=local_cloud.endpoint,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    fresh = v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    with urllib.request.urlopen(fresh, timeout=10) as response:
        assert response.read() == b"data"
    clock_behind(120)
    stale = v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    v2 = aws_client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=-1
    )
    for url in (stale, v2):
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(url, timeout=10)
        body = raised.value.read().decode()
        assert raised.value.code == 403
        assert "<Code>AccessDenied</Code><Message>Request has expired</Message>" in body


def send(info: CloudInfo, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", info.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def signed_s3_headers(
    info: CloudInfo, home: Path, method: str, path: str, payload_hash: str, extra: dict[str, str]
) -> tuple[dict[str, str], bytes, str, str]:
    """Headers of an S3 request signed for ``payload_hash``; also the signing key, timestamp and signature."""
    key = cloud.credentials(home)
    timestamp = sigv4.format_timestamp(time.time())
    headers = {
        "host": f"127.0.0.1:{info.port}",
        "x-amz-date": timestamp,
        "x-amz-content-sha256": payload_hash,
        **extra,
    }
    names = sorted(headers)
    canonical = sigv4.canonical_request(
        method, path, "", sigv4.canonical_headers(headers.items(), names), ";".join(names), payload_hash
    )
    scope = sigv4.scope(timestamp[:8], REGION, "s3")
    signing_key = sigv4.signing_key(key.secret_access_key, timestamp[:8], REGION, "s3")
    signature = sigv4.signature(signing_key, sigv4.string_to_sign(timestamp, scope, canonical))
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key.access_key_id}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers, signing_key, timestamp, signature


def test_a_body_that_is_not_the_signed_one(
    local_cloud: CloudInfo,
    local_cloud_home: Path,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    bucket = unique_name("sha")
    aws_client("s3").create_bucket(Bucket=bucket)
    digest = hashlib.sha256(b"what was signed").hexdigest()
    headers, *_ = signed_s3_headers(local_cloud, local_cloud_home, "PUT", f"/{bucket}/k", digest, {})
    status, body = send(local_cloud, "PUT", f"/{bucket}/k", b"something else", headers)
    assert status == 400 and b"<Code>XAmzContentSHA256Mismatch</Code>" in body
    assert aws_client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_aws_chunked_uploads(
    local_cloud: CloudInfo,
    local_cloud_home: Path,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    bucket = unique_name("chunks")
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=bucket)
    payload = os.urandom(200_000)
    # what recent SDKs send over HTTPS: unsigned chunks and a checksum trailer
    trailer_body = AwsChunkedWrapper(
        io.BytesIO(payload),
        checksum_cls=Crc32Checksum,
        checksum_name="x-amz-checksum-crc32",
        chunk_size=65536,
    ).read()
    headers, *_ = signed_s3_headers(
        local_cloud,
        local_cloud_home,
        "PUT",
        f"/{bucket}/trailer",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        {
            "content-encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(payload)),
            "x-amz-trailer": "x-amz-checksum-crc32",
        },
    )
    assert send(local_cloud, "PUT", f"/{bucket}/trailer", trailer_body, headers)[0] == 200
    assert s3.get_object(Bucket=bucket, Key="trailer")["Body"].read() == payload

    # signed chunks, each chained to the one before
    extra = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(payload))}
    headers, key, timestamp, seed = signed_s3_headers(
        local_cloud, local_cloud_home, "PUT", f"/{bucket}/signed", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", extra
    )
    scope = sigv4.scope(timestamp[:8], REGION, "s3")
    body, previous = b"", seed
    for start in [*range(0, len(payload), 65536), len(payload)]:
        data = payload[start : start + 65536]
        text = f"AWS4-HMAC-SHA256-PAYLOAD\n{timestamp}\n{scope}\n{previous}\n{sigv4.EMPTY_SHA256}\n{hashlib.sha256(data).hexdigest()}"
        previous = sigv4.signature(key, text)
        body += f"{len(data):x};chunk-signature={previous}\r\n".encode() + data + b"\r\n"
    assert send(local_cloud, "PUT", f"/{bucket}/signed", body, headers)[0] == 200
    assert s3.get_object(Bucket=bucket, Key="signed")["Body"].read() == payload
    tampered = body.replace(payload[70_000:70_010], b"x" * 10)
    status, answer = send(local_cloud, "PUT", f"/{bucket}/tampered", tampered, headers)
    assert status == 403 and b"SignatureDoesNotMatch" in answer
    assert "tampered" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]


@pytest.mark.parametrize("version", ["s3", "s3v4"])
def test_browser_form_uploads_with_a_post_policy(
    version: str,
    local_cloud: CloudInfo,
    boto3_session: boto3.Session,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    bucket = unique_name("forms")
    aws_client("s3").create_bucket(Bucket=bucket)
    s3 = boto3_session.client(
        "s3",
        endpoint_url=local_cloud.endpoint,
        config=Config(signature_version=version, s3={"addressing_style": "path"}),
    )
    post = s3.generate_presigned_post(
        bucket, "uploads/${filename}", Conditions=[["starts-with", "$key", "uploads/"]], ExpiresIn=60
    )

    def upload(fields: dict[str, str]) -> int:
        body, content_type = encode_multipart_formdata(
            [*fields.items(), ("file", ("photo.txt", b"pixels", "text/plain"))]
        )
        return send(local_cloud, "POST", f"/{bucket}", body, {"content-type": content_type})[0]

    assert upload(post["fields"]) == 204
    assert aws_client("s3").get_object(Bucket=bucket, Key="uploads/photo.txt")["Body"].read() == b"pixels"
    assert upload({**post["fields"], "key": "elsewhere/photo.txt"}) == 403
    assert [o["Key"] for o in aws_client("s3").list_objects_v2(Bucket=bucket)["Contents"]] == [
        "uploads/photo.txt"
    ]


WHOAMI = """
import boto3

def handler(event, context):
    return {
        "arn": boto3.client("sts").get_caller_identity()["Arn"],
        "tables": boto3.client("dynamodb").list_tables()["TableNames"] is not None,
    }
"""


@pytest.fixture
def principal_cloud(
    daemons: Daemons, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[CloudInfo, ClientFactory]]:
    """A private daemon with a plugin that answers with the verified principal."""
    monkeypatch.setenv("SQUALL_CLOUD_PLUGINS", "tests.integration.cloud.principal_plugin:setup")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[3]))
    info = daemons.start(daemons.home())
    yield info, daemons.clients(info)


def test_who_signed_is_on_the_request(principal_cloud: tuple[CloudInfo, ClientFactory]) -> None:
    info, make = principal_cloud
    home = cloud.credentials(info.home)
    assert principal_of(info, home.access_key_id, home.secret_access_key) == {
        "arn": "arn:aws:iam::123456789012:root",
        "kind": "root",
    }
    # the role may ask what the test plugin answers (IAM decides before any service sees a request)
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    make("iam").create_role(
        RoleName="reader",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
    )
    allowed = {"Effect": "Allow", "Action": "sns:ListTopics", "Resource": "*"}
    make("iam").put_role_policy(
        RoleName="reader",
        PolicyName="list-topics",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allowed]}),
    )
    issued = make("sts").assume_role(
        RoleArn="arn:aws:iam::123456789012:role/reader", RoleSessionName="worker"
    )
    credentials = issued["Credentials"]
    assert principal_of(
        info, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    ) == {"arn": "arn:aws:sts::123456789012:assumed-role/reader/worker", "kind": "assumed-role"}

    iam = make("iam")
    iam.create_user(UserName="dev")
    created = iam.create_access_key(UserName="dev")["AccessKey"]
    assert principal_of(info, created["AccessKeyId"], created["SecretAccessKey"]) == {
        "arn": "arn:aws:iam::123456789012:user/dev",
        "kind": "user",
    }
    user = clients_with(info, created["AccessKeyId"], created["SecretAccessKey"])
    assert user("sqs").list_queues() is not None
    iam.delete_access_key(UserName="dev", AccessKeyId=created["AccessKeyId"])
    assert refused(lambda: user("sqs").list_queues())[1] == "InvalidClientTokenId"


def principal_of(info: CloudInfo, key_id: str, secret: str, token: str | None = None) -> Any:
    """Ask the test plugin (which answers SNS ListTopics) who signed a request with this key."""
    body = b"Action=ListTopics&Version=2010-03-31"
    headers = {"host": f"127.0.0.1:{info.port}", "content-type": "application/x-www-form-urlencoded"}
    headers.update(
        sigv4.sign_headers(
            method="POST",
            path="/",
            query="",
            headers=headers,
            body=body,
            access_key_id=key_id,
            secret_access_key=secret,
            session_token=token,
            region=REGION,
            service="sns",
            now=time.time(),
        )
    )
    status, answer = send(info, "POST", "/", body, headers)
    assert status == 200, answer
    return json.loads(answer)


def test_functions_run_with_their_roles_session(
    aws_client: ClientFactory, unique_name: Callable[[str], str]
) -> None:
    role_name = unique_name("fn-role")
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    role = aws_client("iam").create_role(RoleName=role_name, AssumeRolePolicyDocument=policy)
    allowed = {"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"}
    aws_client("iam").put_role_policy(
        RoleName=role_name,
        PolicyName="list-tables",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allowed]}),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", WHOAMI)
    name = unique_name("whoami")
    aws_client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
    )
    result = json.loads(aws_client("lambda").invoke(FunctionName=name, Payload=b"{}")["Payload"].read())
    assert result == {"arn": f"arn:aws:sts::123456789012:assumed-role/{role_name}/{name}", "tables": True}


def test_the_homes_key_is_the_accounts_root(aws_client: ClientFactory) -> None:
    identity = aws_client("sts").get_caller_identity()
    assert (identity["Arn"], identity["UserId"], identity["Account"]) == (
        "arn:aws:iam::123456789012:root",
        "123456789012",
        "123456789012",
    )
