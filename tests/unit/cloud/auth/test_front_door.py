"""Host names, S3 CORS rules and the refusals each service's clients understand."""

from __future__ import annotations

import pytest
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.session import get_session

from squall.cloud.auth.cors import CorsRule, first_match, preflight
from squall.cloud.auth.errors import protocol_of, refusal
from squall.cloud.auth.failures import AuthFailure, Kind
from squall.cloud.auth.hosts import is_loopback_host, is_loopback_url


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("127.0.0.1:4590", True),
        ("localhost:4590", True),
        ("LOCALHOST:4590", True),
        ("[::1]:4590", True),
        ("127.0.0.1:4591", False),
        ("127.0.0.1", False),
        ("rebind.evil.example:4590", False),
        ("127.0.0.1.evil.example:4590", False),
        ("localhost.:4590", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_hosts(host: str | None, ok: bool) -> None:
    assert is_loopback_host(host, 4590) is ok


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://127.0.0.1:5000", True),
        ("http://localhost:5000/x", True),
        ("http://[::1]:5000", True),
        ("http://127.0.0.1", False),
        ("https://127.0.0.1:5000", False),
        ("http://attacker.example:5000", False),
        ("http://user:pw@127.0.0.1:5000", False),
        ("http://10.0.0.2:5000", False),
        ("not a url", False),
    ],
)
def test_loopback_urls(url: str, ok: bool) -> None:
    assert is_loopback_url(url) is ok


RULES = [
    CorsRule(("http://localhost:5173",), ("PUT", "GET"), ("content-type", "x-amz-*"), ("ETag",), 600),
    CorsRule(("https://*.example.com",), ("GET",)),
]


def test_s3_cors_rules_match_origin_method_and_headers() -> None:
    assert first_match(RULES, "http://localhost:5173", "PUT", ["content-type", "x-amz-meta-a"]) is RULES[0]
    assert first_match(RULES, "http://localhost:5173", "DELETE") is None
    assert first_match(RULES, "http://localhost:5173", "PUT", ["authorization"]) is None
    assert first_match(RULES, "https://app.example.com", "GET") is RULES[1]
    assert first_match(RULES, "https://example.com.evil.net", "GET") is None
    assert first_match(RULES, "http://localhost:5174", "GET") is None


def test_s3_preflight_answers() -> None:
    allowed = preflight(
        RULES,
        {
            "origin": "http://localhost:5173",
            "access-control-request-method": "PUT",
            "access-control-request-headers": "Content-Type",
        },
    )
    assert allowed.status == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert allowed.headers["Access-Control-Allow-Methods"] == "PUT, GET"
    assert allowed.headers["Access-Control-Allow-Headers"] == "content-type"
    assert allowed.headers["Access-Control-Expose-Headers"] == "ETag"
    assert allowed.headers["Access-Control-Max-Age"] == "600"
    refused = preflight(RULES, {"origin": "http://evil.example", "access-control-request-method": "PUT"})
    assert refused.status == 403 and b"AccessForbidden" in refused.body
    disabled = preflight(None, {"origin": "http://localhost:5173", "access-control-request-method": "PUT"})
    assert disabled.status == 403 and b"CORS is not enabled for this bucket" in disabled.body


OPERATIONS = {
    "s3": "ListBuckets",
    "dynamodb": "ListTables",
    "sqs": "ListQueues",
    "logs": "DescribeLogGroups",
    "events": "ListRules",
    "ssm": "DescribeParameters",
    "lambda": "ListFunctions",
    "apigatewayv2": "GetApis",
    "iam": "ListRoles",
    "sts": "GetCallerIdentity",
    "sns": "ListTopics",
}
BACKENDS = {"lambda": "awslambda"}
EXPECTED: dict[tuple[str, Kind], tuple[int, str]] = {
    ("s3", "missing"): (403, "AccessDenied"),
    ("s3", "signature"): (403, "SignatureDoesNotMatch"),
    ("s3", "unknown_key"): (403, "InvalidAccessKeyId"),
    ("s3", "expired"): (403, "AccessDenied"),
    ("s3", "skewed"): (403, "RequestTimeTooSkewed"),
    ("s3", "content_sha256"): (400, "XAmzContentSHA256Mismatch"),
    ("dynamodb", "missing"): (400, "MissingAuthenticationTokenException"),
    ("dynamodb", "signature"): (400, "InvalidSignatureException"),
    ("dynamodb", "unknown_key"): (400, "UnrecognizedClientException"),
    ("dynamodb", "skewed"): (400, "InvalidSignatureException"),
    ("ssm", "expired_token"): (400, "ExpiredTokenException"),
    ("lambda", "missing"): (403, "MissingAuthenticationTokenException"),
    ("lambda", "signature"): (403, "InvalidSignatureException"),
    ("apigatewayv2", "unknown_key"): (403, "UnrecognizedClientException"),
    ("iam", "missing"): (403, "MissingAuthenticationToken"),
    ("iam", "signature"): (403, "SignatureDoesNotMatch"),
    ("sts", "unknown_key"): (403, "InvalidClientTokenId"),
    ("sns", "expired_token"): (403, "ExpiredToken"),
    ("sqs", "unknown_key"): (403, "InvalidClientTokenId"),
    ("sqs", "missing"): (403, "MissingAuthenticationToken"),
}


@pytest.mark.parametrize(("service", "kind"), sorted(EXPECTED))
def test_refusals_parse_as_each_services_error(service: str, kind: Kind) -> None:
    """botocore's own parser for the service reads the code AWS uses, with a status it does not retry."""
    model = ServiceModel(get_session().get_service_data(service), service)
    operation = model.operation_model(OPERATIONS[service])
    json_sqs = {"x-amz-target": "AmazonSQS.ListQueues", "content-type": "application/x-amz-json-1.0"}
    response = refusal(
        AuthFailure(kind, "detail"), BACKENDS.get(service, service), json_sqs if service == "sqs" else {}
    )
    parsed = create_parser(model.protocol).parse(
        {"status_code": response.status, "headers": dict(response.headers), "body": response.body},
        operation.output_shape,
    )
    status, code = EXPECTED[(service, kind)]
    assert (response.status, parsed["Error"]["Code"]) == (status, code)
    assert parsed["Error"]["Message"]
    assert response.status < 500


def test_protocols() -> None:
    assert protocol_of("sqs", {"content-type": "application/x-www-form-urlencoded"}) == "query"
    assert protocol_of("sqs", {"x-amz-target": "AmazonSQS.SendMessage"}) == "sqs-json"
    assert protocol_of("awslambda", {}) == "rest-json"
