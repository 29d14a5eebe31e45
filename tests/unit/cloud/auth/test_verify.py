"""The verifier against botocore's own signers, over every protocol and many request shapes."""

from __future__ import annotations

import json
import time

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config

from squall.cloud.auth.failures import AuthFailure
from tests.unit.cloud.auth.support import (
    ENDPOINT,
    HOME,
    SESSION,
    SESSION_ARN,
    botocore_credentials,
    incoming,
    signed,
    verifier,
)

JSON_SERVICES = [
    ("dynamodb", "DynamoDB_20120810.PutItem", "application/x-amz-json-1.0"),
    ("dynamodb", "DynamoDBStreams_20120810.GetRecords", "application/x-amz-json-1.0"),
    ("sqs", "AmazonSQS.SendMessage", "application/x-amz-json-1.0"),
    ("logs", "Logs_20140328.PutLogEvents", "application/x-amz-json-1.1"),
    ("events", "AWSEvents.PutEvents", "application/x-amz-json-1.1"),
    ("ssm", "AmazonSSM.GetParametersByPath", "application/x-amz-json-1.1"),
]
QUERY_SERVICES = ["iam", "sts", "sns", "sqs"]
PATHS = [
    "/",
    "/2015-03-31/functions/my-function/invocations",
    "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afn/invocations",
    "/v2/apis/abc123/routes",
    "/a//b/./c/../d/",
    "/%E2%9C%93/%20space/%7Etilde",
]
QUERIES = [
    "",
    "Qualifier=%24LATEST",
    "b=2&a=1&a=0",
    "key=a%20b&other=%C3%A9t%C3%A9",
    "flag&empty=&eq=%3D%3D",
    "plus=%2B&star=%2A&tilde=~&slash=%2F",
    "MaxItems=10&Marker=abc%2Fdef%3D%3D",
]
SPACEY_HEADERS = [
    ("X-Amz-Meta-Note", "  several   spaces\tand  tabs  "),
    ("X-Custom", "first"),
    ("X-Custom", "  second   value "),
]


@pytest.mark.parametrize(("service", "target", "content_type"), JSON_SERVICES)
def test_json_protocol_requests(service: str, target: str, content_type: str) -> None:
    body = json.dumps({"TableName": "t", "Item": {"k": {"S": "é ✓"}}}).encode()
    request = signed(
        SigV4Auth(botocore_credentials(HOME), service, "eu-west-1"),
        "POST",
        ENDPOINT + "/",
        body,
        {"X-Amz-Target": target, "Content-Type": content_type},
    )
    verified = verifier().verify(incoming(request), s3=False)
    assert verified.principal.is_root
    assert (verified.service, verified.region, verified.body) == (service, "eu-west-1", body)


@pytest.mark.parametrize("service", QUERY_SERVICES)
def test_query_protocol_form_bodies(service: str) -> None:
    body = (
        "Action=CreateRole&RoleName=r%C3%A9le&AssumeRolePolicyDocument=%7B%22a%22%3A1%7D&Version=2010-05-08"
    )
    request = signed(
        SigV4Auth(botocore_credentials(HOME), service, "us-east-1"),
        "POST",
        ENDPOINT + "/",
        body,
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    assert verifier().verify(incoming(request), s3=False).service == service


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("query", QUERIES)
def test_rest_paths_and_query_strings(path: str, query: str) -> None:
    url = ENDPOINT + path + (f"?{query}" if query else "")
    request = signed(SigV4Auth(botocore_credentials(HOME), "lambda", "us-east-1"), "GET", url)
    assert verifier().verify(incoming(request), s3=False).service == "lambda"


@pytest.mark.parametrize(
    "path", ["/bucket/a//b/../c", "/bucket/%C3%BCn%C3%AFcode%20key%2Bplus~%21", "/bucket/"]
)
@pytest.mark.parametrize("query", ["", "list-type=2&prefix=a%2Fb&delimiter=%2F", "acl", "versionId=v%2B1"])
def test_s3_signs_the_path_exactly_as_sent(path: str, query: str) -> None:
    url = ENDPOINT + path + (f"?{query}" if query else "")
    request = signed(S3SigV4Auth(botocore_credentials(HOME), "s3", "us-east-1"), "PUT", url, b"data")
    assert verifier().verify(incoming(request), s3=True).body == b"data"


def test_repeated_headers_and_runs_of_spaces() -> None:
    request = signed(
        SigV4Auth(botocore_credentials(HOME), "dynamodb", "us-east-1"),
        "POST",
        ENDPOINT + "/",
        b"{}",
        [*SPACEY_HEADERS, ("X-Amz-Target", "DynamoDB_20120810.ListTables")],
    )
    assert verifier().verify(incoming(request), s3=False).principal.is_root


def test_role_session_with_its_token() -> None:
    request = signed(
        SigV4Auth(botocore_credentials(SESSION), "sqs", "us-east-1"), "POST", ENDPOINT + "/", b"{}"
    )
    principal = verifier().verify(incoming(request), s3=False).principal
    assert (principal.arn, principal.kind) == (SESSION_ARN, "assumed-role")


def test_role_session_without_or_with_a_wrong_token() -> None:
    without = SESSION.__class__(SESSION.access_key_id, SESSION.secret_access_key)
    request = signed(
        SigV4Auth(botocore_credentials(without), "sqs", "us-east-1"), "POST", ENDPOINT + "/", b"{}"
    )
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(incoming(request), s3=False)
    assert refused.value.kind == "bad_token"
    wrong = SESSION.__class__(SESSION.access_key_id, SESSION.secret_access_key, "another-token")
    request = signed(
        SigV4Auth(botocore_credentials(wrong), "sqs", "us-east-1"), "POST", ENDPOINT + "/", b"{}"
    )
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(incoming(request), s3=False)
    assert refused.value.kind == "bad_token"


def test_an_expired_role_session() -> None:
    request = signed(
        SigV4Auth(botocore_credentials(SESSION), "sqs", "us-east-1"), "POST", ENDPOINT + "/", b"{}"
    )
    with pytest.raises(AuthFailure) as refused:
        verifier(session_expires=time.time() - 1).verify(incoming(request), s3=False)
    assert refused.value.kind == "expired_token"


def test_a_token_with_the_homes_key_is_refused() -> None:
    tokened = HOME.__class__(HOME.access_key_id, HOME.secret_access_key, "made-up")
    request = signed(
        SigV4Auth(botocore_credentials(tokened), "iam", "us-east-1"), "POST", ENDPOINT + "/", b""
    )
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(incoming(request), s3=False)
    assert refused.value.kind == "bad_token"


@pytest.mark.parametrize(
    ("part", "kind"),
    [
        ("body", "signature"),
        ("path", "signature"),
        ("query", "signature"),
        ("header", "signature"),
        ("method", "signature"),
    ],
)
def test_any_change_breaks_the_signature(part: str, kind: str) -> None:
    request = signed(
        SigV4Auth(botocore_credentials(HOME), "lambda", "us-east-1"),
        "POST",
        ENDPOINT + "/2015-03-31/functions/fn/invocations?Qualifier=1",
        b'{"a": 1}',
        {"X-Amz-Invocation-Type": "Event"},
    )
    sent = incoming(request)
    changed = {
        "body": lambda r: r.__class__(r.method, r.path, r.query, r.raw_headers, r.headers, b'{"a": 2}'),
        "path": lambda r: r.__class__(
            r.method, r.path.replace("fn", "fm"), r.query, r.raw_headers, r.headers, r.body
        ),
        "query": lambda r: r.__class__(r.method, r.path, "Qualifier=2", r.raw_headers, r.headers, r.body),
        "header": lambda r: r.__class__(
            r.method,
            r.path,
            r.query,
            [(n, "RequestResponse" if n.lower() == "x-amz-invocation-type" else v) for n, v in r.raw_headers],
            r.headers,
            r.body,
        ),
        "method": lambda r: r.__class__("PUT", r.path, r.query, r.raw_headers, r.headers, r.body),
    }[part](sent)
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(changed, s3=False)
    assert refused.value.kind == kind


def test_unknown_key_and_wrong_secret() -> None:
    stranger = HOME.__class__("AKIASTRANGER00000000", "whatever")
    request = signed(
        SigV4Auth(botocore_credentials(stranger), "sts", "us-east-1"), "POST", ENDPOINT + "/", b""
    )
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(incoming(request), s3=False)
    assert refused.value.kind == "unknown_key"
    guessed = HOME.__class__(HOME.access_key_id, "not-the-secret")
    request = signed(
        SigV4Auth(botocore_credentials(guessed), "sts", "us-east-1"), "POST", ENDPOINT + "/", b""
    )
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(incoming(request), s3=False)
    assert refused.value.kind == "signature"


def test_unsigned_requests_are_missing_authentication() -> None:
    from tests.unit.cloud.auth.support import from_wire

    bare = from_wire("POST", "/", "", [("Host", "127.0.0.1:4590")], b"Action=ListRoles")
    for s3 in (False, True):
        with pytest.raises(AuthFailure) as refused:
            verifier().verify(bare, s3=s3)
        assert refused.value.kind == "missing"


@pytest.mark.parametrize(("offset", "kind"), [(-16 * 60, "skewed"), (16 * 60, "skewed"), (-14 * 60, None)])
def test_fifteen_minutes_of_clock_skew(offset: float, kind: str | None) -> None:
    request = signed(SigV4Auth(botocore_credentials(HOME), "ssm", "us-east-1"), "POST", ENDPOINT + "/", b"{}")
    check = verifier(clock=time.time() - offset)
    if kind is None:
        check.verify(incoming(request), s3=False)
        return
    with pytest.raises(AuthFailure) as refused:
        check.verify(incoming(request), s3=False)
    assert refused.value.kind == kind


def test_s3_checks_the_body_against_x_amz_content_sha256() -> None:
    request = signed(
        S3SigV4Auth(botocore_credentials(HOME), "s3", "us-east-1"),
        "PUT",
        ENDPOINT + "/bucket/key",
        b"original",
    )
    sent = incoming(request)
    swapped = sent.__class__(sent.method, sent.path, sent.query, sent.raw_headers, sent.headers, b"replaced")
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(swapped, s3=True)
    assert refused.value.kind == "content_sha256"
    assert (
        refused.value.extra["S3ComputedContentSHA256"] != refused.value.extra["ClientComputedContentSHA256"]
    )


def test_s3_requires_x_amz_content_sha256() -> None:
    request = signed(
        SigV4Auth(botocore_credentials(HOME), "s3", "us-east-1"), "GET", ENDPOINT + "/bucket/key"
    )
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(incoming(request), s3=True)
    assert refused.value.kind == "missing_content_sha256"


def test_s3_unsigned_payload() -> None:
    request = AWSRequest(method="PUT", url=ENDPOINT + "/bucket/key", data=b"anything")
    request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    S3SigV4Auth(botocore_credentials(HOME), "s3", "us-east-1").add_auth(request)
    assert request.headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    assert verifier().verify(incoming(request), s3=True).body == b"anything"


def test_non_s3_presigned_query() -> None:
    request = signed(
        SigV4QueryAuth(botocore_credentials(HOME), "iam", "us-east-1", expires=300),
        "GET",
        ENDPOINT + "/?Action=ListRoles&Version=2010-05-08&PathPrefix=%2Fservice%2F",
    )
    assert "X-Amz-Signature=" in request.url
    assert verifier().verify(incoming(request), s3=False).service == "iam"
    with pytest.raises(AuthFailure) as refused:
        verifier(clock=time.time() + 301).verify(incoming(request), s3=False)
    assert refused.value.kind == "expired"


def test_a_credential_scope_date_must_match_the_request_date() -> None:
    request = signed(SigV4Auth(botocore_credentials(HOME), "sts", "us-east-1"), "POST", ENDPOINT + "/", b"")
    sent = incoming(request)
    header = sent.headers["authorization"]
    date = sent.headers["x-amz-date"][:8]
    forged = header.replace(f"/{date}/", "/19990101/")
    raw = [(n, forged if n.lower() == "authorization" else v) for n, v in sent.raw_headers]
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(
            sent.__class__(
                sent.method, sent.path, sent.query, raw, {**sent.headers, "authorization": forged}, sent.body
            ),
            s3=False,
        )
    assert refused.value.kind == "malformed"


def test_host_must_be_signed() -> None:
    request = signed(SigV4Auth(botocore_credentials(HOME), "sts", "us-east-1"), "POST", ENDPOINT + "/", b"")
    sent = incoming(request)
    header = sent.headers["authorization"].replace("SignedHeaders=host;", "SignedHeaders=")
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(
            sent.__class__(
                sent.method,
                sent.path,
                sent.query,
                sent.raw_headers,
                {**sent.headers, "authorization": header},
                sent.body,
            ),
            s3=False,
        )
    assert refused.value.kind == "malformed"


def test_the_canonical_query_decodes_and_encodes_strictly() -> None:
    from squall.cloud.auth.sigv4 import canonical_query

    assert canonical_query("b=%7e&a=%2b+x&c&X-Amz-Signature=s", skip="X-Amz-Signature") == "a=%2B%2Bx&b=~&c="
