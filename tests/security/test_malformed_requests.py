"""Malformed and hostile AWS requests get the service's own 4xx error, change nothing, and harm nothing.

Each request is sent raw (what no SDK would send) and signed with the session's credentials, so it is
refused for its content. A 5xx would be wrong twice: it blames the local cloud, and botocore retries it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.conftest import ClientFactory
from tests.signed_http import RawResponse, SignedClient

DYNAMODB = "DynamoDB_20120810"


def _refused(response: RawResponse, status: int, code: str) -> None:
    assert (response.status, response.code) == (status, code), response.body[:500]


@pytest.fixture(scope="module")
def table(aws_client: ClientFactory) -> str:
    name = f"malformed-{uuid.uuid4().hex[:8]}"
    aws_client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def _items(aws_client: ClientFactory, table: str) -> int:
    return int(aws_client("dynamodb").scan(TableName=table, Select="COUNT")["Count"])


def _put(signed: SignedClient, table: str, body: bytes | dict[str, Any]) -> RawResponse:
    return signed.json("dynamodb", f"{DYNAMODB}.PutItem", body)


def _nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(levels):
        value = {"M": {"a": value}}
    return value


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="broken-json"),
        pytest.param(b"\xff\xfe\x00{", id="not-utf8"),
        pytest.param(b"[1, 2]", id="array-body"),
        pytest.param(b'{"TableName": NaN}', id="nan"),
        pytest.param(b'{"TableName": "t", "Item": {"pk": {"N": ' + b"9" * 10_000 + b"}}}", id="huge-number"),
        pytest.param(
            b'{"TableName": "t", "Item": ' + b"[" * 5000 + b"]" * 5000 + b"}", id="5000-deep-arrays"
        ),
        pytest.param(
            b'{"TableName": "t", "Item": {"pk": '
            + b'{"M": {"a": ' * 5000
            + b'{"S": "x"}'
            + b"}}" * 5000
            + b"}}",
            id="5000-deep-maps",
        ),
    ],
)
def test_bodies_that_do_not_deserialize_are_serialization_exceptions(
    signed: SignedClient, aws_client: ClientFactory, table: str, body: bytes
) -> None:
    _refused(
        _put(signed, table, body.replace(b'"t"', json.dumps(table).encode())), 400, "SerializationException"
    )
    assert _items(aws_client, table) == 0


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"TableName": 5, "Item": {}},
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String",
        ),
        ({"TableName": True, "Item": {}}, "class java.lang.Boolean can not be converted to an String"),
        ({"TableName": "t", "Item": []}, "Start of list found where not expected"),
        (
            {"TableName": "t", "Item": {"pk": {"S": {"x": 1}}}},
            "Start of structure or map found where not expected",
        ),
        ({"TableName": "t", "Item": "pk"}, "Unexpected field type"),
    ],
)
def test_values_of_the_wrong_type_are_serialization_exceptions(
    signed: SignedClient, aws_client: ClientFactory, table: str, document: dict[str, Any], message: str
) -> None:
    if document["TableName"] == "t":
        document["TableName"] = table
    response = _put(signed, table, document)
    _refused(response, 400, "SerializationException")
    assert response.message == message
    assert _items(aws_client, table) == 0


def test_values_that_break_the_model_are_validation_exceptions(signed: SignedClient) -> None:
    response = _put(signed, "", {"TableName": "", "Item": {}})
    _refused(response, 400, "ValidationException")
    assert response.message == (
        "1 validation error detected: Value '' at 'tableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )
    response = signed.json("dynamodb", f"{DYNAMODB}.PutItem", {"Item": {"pk": {"S": "x"}}})
    _refused(response, 400, "ValidationException")
    assert response.message == (
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null"
    )
    response = signed.json(
        "dynamodb", f"{DYNAMODB}.ListTables", {"Limit": 0, "ExclusiveStartTableName": "ab"}
    )
    _refused(response, 400, "ValidationException")
    assert response.message.startswith("2 validation errors detected: ")


def test_attribute_values_nested_past_32_levels_are_refused(
    signed: SignedClient, aws_client: ClientFactory, table: str
) -> None:
    response = _put(signed, table, {"TableName": table, "Item": {"pk": {"S": "deep"}, "v": _nested(33)}})
    _refused(response, 400, "ValidationException")
    assert response.message == "Nesting Levels have exceeded supported limits"
    assert _items(aws_client, table) == 0
    accepted = _put(signed, table, {"TableName": table, "Item": {"pk": {"S": "deep"}, "v": _nested(32)}})
    assert accepted.status == 200, accepted.body
    aws_client("dynamodb").delete_item(TableName=table, Key={"pk": {"S": "deep"}})


def test_unreadable_binary_is_refused_not_a_server_fault(
    signed: SignedClient, aws_client: ClientFactory, table: str
) -> None:
    response = _put(signed, table, {"TableName": table, "Item": {"pk": {"S": "b"}, "v": {"B": "***"}}})
    assert 400 <= response.status < 500, response.body
    assert _items(aws_client, table) == 0


@pytest.mark.parametrize(
    ("service", "target", "version"),
    [
        ("dynamodb", f"{DYNAMODB}.NoSuchOperation", "1.0"),
        ("dynamodb", "NotDynamoDB_20120810.PutItem", "1.0"),
        ("dynamodb", "DynamoDBStreams_20120810.NoSuchOperation", "1.0"),
        ("sqs", "AmazonSQS.NoSuchOperation", "1.0"),
        ("ssm", "AmazonSSM.NoSuchOperation", "1.1"),
        ("logs", "Logs_20140328.NoSuchOperation", "1.1"),
        ("events", "AWSEvents.NoSuchOperation", "1.1"),
    ],
)
def test_unknown_json_operations(signed: SignedClient, service: str, target: str, version: str) -> None:
    _refused(signed.json(service, target, {}, version), 400, "UnknownOperationException")


@pytest.mark.parametrize("service", ["sqs", "sns", "iam", "sts"])
def test_unknown_query_actions(signed: SignedClient, service: str) -> None:
    response = signed.query(service, "Action=NoSuchAction&Version=2010-05-08")
    _refused(response, 400, "InvalidAction")
    assert response.message == "The action NoSuchAction is not valid for this endpoint."


@pytest.mark.parametrize(
    ("service", "body", "code"),
    [
        ("iam", "Action=ListRoles&Version=2010-05-08&MaxItems=many", "ValidationError"),
        ("sts", "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=long", "ValidationError"),
        ("sqs", "Action=ListQueues&Version=2012-11-05&MaxResults=all", "InvalidParameterValue"),
        ("iam", "Action=CreateRole&Version=2010-05-08", "ValidationError"),
        ("sqs", "Action=SendMessage&Version=2012-11-05&MessageBody=x", "MissingParameter"),
        ("sns", "Action=Publish&Version=2010-03-31&Message=x", "InvalidParameter"),
    ],
)
def test_query_parameters_that_do_not_parse_or_are_missing(
    signed: SignedClient, service: str, body: str, code: str
) -> None:
    _refused(signed.query(service, body), 400, code)


def test_query_requests_that_are_not_utf8(signed: SignedClient) -> None:
    response = signed.send(
        "sqs",
        "POST",
        "/",
        b"Action=ListQueues&QueueNamePrefix=\xff",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    _refused(response, 404, "MalformedQueryString")


def test_sqs_json_names_the_missing_parameter(signed: SignedClient) -> None:
    response = signed.json("sqs", "AmazonSQS.SendMessage", {"MessageBody": "x"})
    _refused(response, 400, "MissingParameter")
    assert response.message == "The request must contain the parameter QueueUrl."


@pytest.mark.parametrize(
    ("service", "path", "code"),
    [
        ("lambda", "/2015-03-31/functions", "InvalidRequestContentException"),
        ("apigateway", "/v2/apis", "BadRequestException"),
        ("apigateway", "/restapis", "SerializationException"),
    ],
)
def test_rest_json_bodies_that_do_not_parse(signed: SignedClient, service: str, path: str, code: str) -> None:
    response = signed.send(service, "POST", path, b"{not json", {"Content-Type": "application/json"})
    _refused(response, 400, code)


def test_rest_json_values_of_the_wrong_type(signed: SignedClient, aws_client: ClientFactory) -> None:
    before = aws_client("apigatewayv2").get_apis()["Items"]
    response = signed.send(
        "apigateway",
        "POST",
        "/v2/apis",
        b'{"name": 5, "protocolType": "HTTP"}',
        {"Content-Type": "application/json"},
    )
    _refused(response, 400, "BadRequestException")
    assert aws_client("apigatewayv2").get_apis()["Items"] == before
    response = signed.send("lambda", "GET", "/2015-03-31/functions/", query="MaxItems=lots")
    _refused(response, 400, "InvalidRequestContentException")


@pytest.mark.parametrize(
    ("method", "query", "body"),
    [
        ("PUT", "", b"<CreateBucketConfiguration><LocationConstraint>eu"),
        ("PUT", "tagging=", b"<Tagging><TagSet><Tag>"),
        ("POST", "delete=", b"<Delete><Object><Key>a</Key></Object"),
        ("PUT", "tagging=", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Tagging>&a;</Tagging>'),
    ],
)
def test_s3_xml_that_is_not_well_formed_is_malformed_xml(
    signed: SignedClient,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
    method: str,
    query: str,
    body: bytes,
) -> None:
    s3 = aws_client("s3")
    bucket = unique_name("malformed-xml")
    if query:
        s3.create_bucket(Bucket=bucket)
    response = signed.send("s3", method, f"/{bucket}", body, query=query)
    _refused(response, 400, "MalformedXML")
    assert response.message == (
        "The XML you provided was not well-formed or did not validate against our published schema"
    )
    if not query:
        assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_the_local_cloud_still_serves_after_all_of_it(
    signed: SignedClient, aws_client: ClientFactory
) -> None:
    for _ in range(3):
        _refused(
            _put(signed, "t", b'{"TableName": "t", "Item": ' + b"{" * 100_000), 400, "SerializationException"
        )
    assert signed.send("sts", "GET", "/_squall/health").status == 200
    assert aws_client("sts").get_caller_identity()["Account"] == "123456789012"
