"""HTTP API data plane: response mapping, API Gateway's own errors, route selection, CORS, endpoints."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from squall import cloud
from squall.cloud import CloudInfo
from tests.integration.conftest import ClientFactory, clients_for
from tests.integration.host.conftest import ASSUME_ROLE_POLICY, Api, Deploy, MakeApi
from tests.integration.host.support import send, zip_files
from tests.polling import poll

MAPPING = """
import base64
CASES = {
    "full": {
        "statusCode": 201,
        "headers": {"x-one": "1", "Content-Type": "text/plain", "x-number": 5, "x-flag": True},
        "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
        "body": "created",
    },
    "binary": {
        "statusCode": 200,
        "headers": {"content-type": "application/octet-stream"},
        "body": base64.b64encode(bytes(range(256))).decode(),
        "isBase64Encoded": True,
    },
    "status-only": {"statusCode": 204},
    "status-as-string": {"statusCode": "202", "body": "queued"},
    "not-base64-flag": {"statusCode": 200, "body": "aGk=", "isBase64Encoded": False},
    "bad-status": {"statusCode": "teapot"},
    "bad-base64": {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
    "dict": {"hello": "world", "n": [1, 2]},
    "string": "Hello from Lambda!",
    "number": 42,
    "list": [1, "a", None],
    "none": None,
}
def handler(event, context):
    return CASES[event["pathParameters"]["case"]]
"""

# case → (status, body, headers that must be there)
EXPECTED: dict[str, tuple[int, bytes, dict[str, str]]] = {
    "full": (
        201,
        b"created",
        {"x-one": "1", "content-type": "text/plain", "x-number": "5", "x-flag": "true"},
    ),
    "binary": (200, bytes(range(256)), {"content-type": "application/octet-stream"}),
    "status-only": (204, b"", {}),
    "status-as-string": (202, b"queued", {}),
    "not-base64-flag": (200, b"aGk=", {}),
    "bad-status": (500, b'{"message":"Internal Server Error"}', {"content-type": "application/json"}),
    "bad-base64": (500, b'{"message":"Internal Server Error"}', {"content-type": "application/json"}),
    "dict": (200, json.dumps({"hello": "world", "n": [1, 2]}).encode(), {"content-type": "application/json"}),
    "string": (200, b"Hello from Lambda!", {"content-type": "application/json"}),
    "number": (200, b"42", {"content-type": "application/json"}),
    "list": (200, b'[1, "a", null]', {"content-type": "application/json"}),
    "none": (200, b"null", {"content-type": "application/json"}),
}

ROUTE_KEY = """
import json
def handler(event, context):
    return {"route": event["routeKey"], "params": event.get("pathParameters")}
"""


@pytest.fixture(scope="module")
def mapping_api(deploy: Deploy, make_api: MakeApi) -> Api:
    return make_api({"GET /map/{case}": deploy(MAPPING, prefix="mapping")})


def json_body(raw: bytes) -> Any:
    return json.loads(raw)


@pytest.mark.parametrize("case", list(EXPECTED))
def test_response_mapping(mapping_api: Api, case: str) -> None:
    status, body, headers = EXPECTED[case]
    response = send(mapping_api.endpoint, "GET", f"/map/{case}")
    assert response.status == status
    if body.startswith(b"{") or body.startswith(b"["):
        assert json_body(response.body) == json_body(body)
    else:
        assert response.body == body
    for name, value in headers.items():
        assert response.header(name) == value, name
    assert response.header("apigw-requestid")
    assert response.header("transfer-encoding") is None
    if status != 204:
        assert response.header("content-length") == str(len(response.body))


def test_cookies_become_one_set_cookie_header_each(mapping_api: Api) -> None:
    response = send(mapping_api.endpoint, "GET", "/map/full")
    assert response.all("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]


def test_no_route_is_404_not_found(mapping_api: Api) -> None:
    response = send(mapping_api.endpoint, "GET", "/elsewhere")
    assert response.status == 404
    assert response.json() == {"message": "Not Found"}
    assert response.header("content-type") == "application/json"
    response = send(mapping_api.endpoint, "POST", "/map/dict")
    assert response.status == 404


def test_function_errors_are_500(deploy: Deploy, make_api: MakeApi) -> None:
    function = deploy(
        """
        import os, time
        def handler(event, context):
            kind = event["pathParameters"]["kind"]
            if kind == "raise":
                raise RuntimeError("nope")
            if kind == "timeout":
                time.sleep(30)
            if kind == "crash":
                os._exit(1)
            return "fine"
        """,
        timeout=1,
    )
    api = make_api({"GET /fail/{kind}": function})
    for kind in ("raise", "timeout", "crash"):
        response = send(api.endpoint, "GET", f"/fail/{kind}")
        assert response.status == 500, kind
        assert response.json() == {"message": "Internal Server Error"}
    assert send(api.endpoint, "GET", "/fail/none").body == b"fine"


def test_route_without_integration_is_500(
    deploy: Deploy, make_api: MakeApi, aws_client: ClientFactory
) -> None:
    api = make_api({"GET /ok": deploy(ROUTE_KEY, prefix="routes")})
    aws_client("apigatewayv2").create_route(ApiId=api.api_id, RouteKey="GET /dangling")
    response = poll(lambda: send(api.endpoint, "GET", "/dangling"), lambda r: r.status != 404)
    assert response.status == 500


def test_most_specific_route_wins(deploy: Deploy, make_api: MakeApi) -> None:
    function = deploy(ROUTE_KEY, prefix="routes")
    api = make_api(
        {
            "GET /pets/dog": function,
            "GET /pets/{id}": function,
            "POST /pets/{id}": function,
            "ANY /pets/{proxy+}": function,
            "GET /pets/{id}/toys/{toy}": function,
            "$default": function,
        }
    )
    table = [
        ("GET", "/pets/dog", "GET /pets/dog", None),
        ("GET", "/pets/7", "GET /pets/{id}", {"id": "7"}),
        ("POST", "/pets/7", "POST /pets/{id}", {"id": "7"}),
        ("DELETE", "/pets/7", "ANY /pets/{proxy+}", {"proxy": "7"}),
        ("GET", "/pets/7/toys/ball", "GET /pets/{id}/toys/{toy}", {"id": "7", "toy": "ball"}),
        ("GET", "/pets/7/food/dry", "ANY /pets/{proxy+}", {"proxy": "7/food/dry"}),
        ("GET", "/owners", "$default", None),
        ("PUT", "/", "$default", None),
    ]
    for method, path, route, params in table:
        response = send(api.endpoint, method, path)
        assert response.status == 200, (method, path, response.body)
        assert response.json() == {"route": route, "params": params}, (method, path)


def test_new_routes_are_served_at_once(deploy: Deploy, make_api: MakeApi, aws_client: ClientFactory) -> None:
    function = deploy(ROUTE_KEY, prefix="routes")
    api = make_api({"GET /first": function})
    assert send(api.endpoint, "GET", "/first").status == 200
    assert send(api.endpoint, "GET", "/second").status == 404
    apigw = aws_client("apigatewayv2")
    integration = apigw.get_routes(ApiId=api.api_id)["Items"][0]["Target"]
    apigw.create_route(ApiId=api.api_id, RouteKey="GET /second", Target=integration)
    assert send(api.endpoint, "GET", "/second").json() == {"route": "GET /second", "params": None}


CORS = {
    "AllowOrigins": ["https://app.example.com"],
    "AllowMethods": ["GET", "POST"],
    "AllowHeaders": ["Content-Type", "X-Api-Key"],
    "ExposeHeaders": ["X-Trace"],
    "MaxAge": 600,
    "AllowCredentials": True,
}


@pytest.fixture(scope="module")
def cors_api(deploy: Deploy, make_api: MakeApi) -> Api:
    function = deploy(
        """
        def handler(event, context):
            return {"statusCode": 200, "headers": {"access-control-allow-origin": "*", "x-trace": "t1"},
                    "body": "ok"}
        """,
        prefix="cors",
    )
    return make_api({"ANY /{proxy+}": function}, cors=CORS)


def test_cors_preflight_is_answered_from_the_configuration(cors_api: Api) -> None:
    response = send(
        cors_api.endpoint,
        "OPTIONS",
        "/things",
        [
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
    )
    assert response.status == 204
    assert response.header("access-control-allow-origin") == "https://app.example.com"
    assert response.header("access-control-allow-methods") == "GET,POST"
    assert response.header("access-control-allow-headers") == "content-type,x-api-key"
    assert response.header("access-control-max-age") == "600"
    assert response.header("access-control-allow-credentials") == "true"
    assert response.body == b""


def test_cors_preflight_from_another_origin_has_no_cors_headers(cors_api: Api) -> None:
    response = send(
        cors_api.endpoint,
        "OPTIONS",
        "/things",
        [("Origin", "https://evil.example.net"), ("Access-Control-Request-Method", "POST")],
    )
    assert response.status == 204
    assert not [k for k, _ in response.headers if k.lower().startswith("access-control-")]


def test_cors_headers_on_responses_replace_the_integrations(cors_api: Api) -> None:
    response = send(cors_api.endpoint, "GET", "/things", [("Origin", "https://app.example.com")])
    assert response.status == 200
    assert response.all("access-control-allow-origin") == ["https://app.example.com"]
    assert response.header("access-control-expose-headers") == "x-trace"
    assert response.header("access-control-allow-credentials") == "true"
    assert response.header("x-trace") == "t1"
    plain = send(cors_api.endpoint, "GET", "/things")
    assert plain.header("access-control-allow-origin") is None


def test_api_endpoint_is_the_local_url_that_serves_it(
    deploy: Deploy, make_api: MakeApi, aws_client: ClientFactory
) -> None:
    api = make_api({"GET /hello": deploy(ROUTE_KEY, prefix="routes")})
    assert api.endpoint.startswith("http://127.0.0.1:")
    apigw = aws_client("apigatewayv2")
    assert apigw.get_api(ApiId=api.api_id)["ApiEndpoint"] == api.endpoint
    listed = {item["ApiId"]: item["ApiEndpoint"] for item in apigw.get_apis()["Items"]}
    assert listed[api.api_id] == api.endpoint
    assert send(api.endpoint, "GET", "/hello").json()["route"] == "GET /hello"


def test_deleted_api_stops_serving(deploy: Deploy, make_api: MakeApi, aws_client: ClientFactory) -> None:
    api = make_api({"GET /hello": deploy(ROUTE_KEY, prefix="routes")})
    assert send(api.endpoint, "GET", "/hello").status == 200
    aws_client("apigatewayv2").delete_api(ApiId=api.api_id)

    def gone() -> bool:
        try:
            return send(api.endpoint, "GET", "/hello", timeout=5).status == 404
        except OSError:
            return True

    poll(gone, bool)


@pytest.fixture
def private_home(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    try:
        yield home
    finally:
        cloud.stop(home)


def test_api_url_survives_a_restart(private_home: Path) -> None:
    info = cloud.start(private_home, port=0)
    assert isinstance(info, CloudInfo)
    clients = clients_for(private_home, info.endpoint)
    role = clients("iam").create_role(RoleName="restart", AssumeRolePolicyDocument=ASSUME_ROLE_POLICY)
    function = clients("lambda").create_function(
        FunctionName="restart-fn",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": zip_files({"app.py": ROUTE_KEY})},
    )
    apigw = clients("apigatewayv2")
    api = apigw.create_api(Name="restart-api", ProtocolType="HTTP")
    integration = apigw.create_integration(
        ApiId=api["ApiId"],
        IntegrationType="AWS_PROXY",
        IntegrationUri=function["FunctionArn"],
        PayloadFormatVersion="2.0",
    )
    apigw.create_route(
        ApiId=api["ApiId"], RouteKey="GET /items/{id}", Target=f"integrations/{integration['IntegrationId']}"
    )
    apigw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
    endpoint = api["ApiEndpoint"]
    expected = {"route": "GET /items/{id}", "params": {"id": "1"}}
    assert send(endpoint, "GET", "/items/1").json() == expected

    cloud.stop(private_home)
    info = cloud.start(private_home, port=0)
    assert isinstance(info, CloudInfo)
    clients = clients_for(private_home, info.endpoint)
    assert clients("apigatewayv2").get_api(ApiId=api["ApiId"])["ApiEndpoint"] == endpoint

    def served() -> Any:
        try:
            return send(endpoint, "GET", "/items/1", timeout=10).json()
        except (OSError, ValueError):
            return None

    assert poll(served, lambda body: body == expected) == expected


def test_binary_round_trip(deploy: Deploy, make_api: MakeApi) -> None:
    function = deploy(
        """
        import base64
        def handler(event, context):
            data = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
            return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
                    "body": base64.b64encode(data[::-1]).decode(), "isBase64Encoded": True}
        """,
        prefix="binary",
    )
    api = make_api({"POST /reverse": function})
    payload = bytes(range(256)) * 4
    response = send(api.endpoint, "POST", "/reverse", [("Content-Type", "image/png")], payload)
    assert response.status == 200
    assert response.body == payload[::-1]
    assert base64.b64encode(response.body)


def test_integration_timeout_is_503(deploy: Deploy, make_api: MakeApi, aws_client: ClientFactory) -> None:
    function = deploy(
        """
        import time
        def handler(event, context):
            if event["rawPath"] == "/slow":
                time.sleep(5)
            return "quick"
        """,
        timeout=10,
        prefix="slow",
    )
    api = make_api({"GET /slow": function, "GET /quick": function})
    apigw = aws_client("apigatewayv2")
    for integration in apigw.get_integrations(ApiId=api.api_id)["Items"]:
        apigw.update_integration(
            ApiId=api.api_id, IntegrationId=integration["IntegrationId"], TimeoutInMillis=1000
        )
    response = send(api.endpoint, "GET", "/slow")
    assert response.status == 503
    assert response.json() == {"message": "Service Unavailable"}
    assert send(api.endpoint, "GET", "/quick").body == b"quick"
