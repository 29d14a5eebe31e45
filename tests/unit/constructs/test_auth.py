"""Cognito and Api authorizers: what they synthesize, and every mistake named at the user's line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from squall.app import App, Stack
from squall.constructs import Api, Cognito, Function
from squall.errors import ValidationErrors
from squall.graph import Graph
from squall.graph.synth import synthesize


@pytest.fixture
def app(tmp_path: Path) -> App:
    (tmp_path / "fn.py").write_text("def handler(event, context):\n    return event\n")
    return App("shop", "dev", "eu-west-1", root=tmp_path)


def stack_of(app: App) -> Stack:
    return app.stack(lambda stack: None, id="Main")


def full_api(stack: Stack) -> tuple[Cognito, Api]:
    auth = Cognito(stack, "Auth", login=["email"], triggers={"pre_sign_up": "fn.handler"})
    api = Api(
        stack,
        "Api",
        authorizers={
            "main": {"type": "user_pool", "user_pool": auth},
            "partner": {"type": "jwt", "issuer": "https://id.example.com", "audience": ["abc"]},
            "custom": {
                "type": "lambda",
                "function": "fn.handler",
                "identity_source": "$request.header.Authorization",
                "response_types": ["simple"],
                "ttl": 60,
            },
        },
        defaults={"authorizer": "main"},
        routes={
            "GET /me": "fn.handler",
            "GET /public": {"function": "fn.handler", "authorizer": "none"},
            "GET /partner": {
                "function": "fn.handler",
                "authorizer": "partner",
                "authorization_scopes": ["r"],
            },
            "GET /custom": {"function": "fn.handler", "authorizer": "custom"},
        },
    )
    return auth, api


def route(graph: Graph, key: str) -> dict[str, Any]:
    found = [r for r in graph.of_type("AWS::ApiGatewayV2::Route") if r.properties["RouteKey"] == key]
    assert len(found) == 1
    return found[0].properties


def test_routes_name_their_authorizers(app: App) -> None:
    full_api(stack_of(app))
    graph = synthesize(app)
    assert route(graph, "GET /me")["AuthorizationType"] == "JWT"
    assert route(graph, "GET /me")["AuthorizerId"] == {"Ref": "ApiMainAuthorizer"}
    assert "AuthorizationType" not in route(graph, "GET /public")
    assert route(graph, "GET /partner")["AuthorizationScopes"] == ["r"]
    assert route(graph, "GET /partner")["AuthorizerId"] == {"Ref": "ApiPartnerAuthorizer"}
    assert route(graph, "GET /custom")["AuthorizationType"] == "CUSTOM"


def test_user_pool_authorizer_trusts_the_pool_and_its_client(app: App) -> None:
    full_api(stack_of(app))
    graph = synthesize(app)
    main = graph.resource("ApiMainAuthorizer").properties
    assert main["AuthorizerType"] == "JWT"
    assert main["IdentitySource"] == ["$request.header.Authorization"]
    assert main["JwtConfiguration"] == {
        "Issuer": {"Fn::Join": ["", ["https://cognito-idp.eu-west-1.amazonaws.com/", {"Ref": "Auth"}]]},
        "Audience": [{"Ref": "AuthClient"}],
    }
    pool = graph.resource("Auth")
    assert pool.physical_name == "shop-dev-Auth"
    assert pool.properties["UsernameAttributes"] == ["email"]
    assert graph.resource("AuthClient").properties["UserPoolId"] == {"Ref": "Auth"}


def test_lambda_authorizer_and_its_permission(app: App) -> None:
    full_api(stack_of(app))
    graph = synthesize(app)
    custom = graph.resource("ApiCustomAuthorizer").properties
    assert custom["AuthorizerType"] == "REQUEST"
    assert custom["AuthorizerPayloadFormatVersion"] == "2.0"
    assert custom["EnableSimpleResponses"] is True
    assert custom["AuthorizerResultTtlInSeconds"] == 60
    permission = graph.resource("ApiCustomAuthorizerPermission").properties
    assert permission["FunctionName"] == {"Ref": "ApiCustomAuthorizerFn"}
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Join"][1][-1] == "/authorizers/*"


def test_triggers_and_binding(app: App) -> None:
    stack = stack_of(app)
    auth, _ = full_api(stack)
    fn = Function(stack, "Admin", handler="fn.handler")
    fn.bind([auth], access="read")
    graph = synthesize(app)
    pool = graph.resource("Auth").properties
    assert pool["LambdaConfig"]["PreSignUp"]["Fn::Sub"].endswith(":function:shop-dev-AuthPreSignUp")
    trigger = graph.resource("AuthPreSignUpPermission").properties
    assert trigger["Principal"] == "cognito-idp.amazonaws.com"
    assert trigger["SourceArn"] == {"Fn::GetAtt": ["Auth", "Arn"]}
    env = graph.resource("Admin").properties["Environment"]["Variables"]["SQUALL_RESOURCE_Auth"]
    assert env == {
        "Fn::ToJsonString": {
            "type": "Cognito",
            "userPoolId": {"Ref": "Auth"},
            "clientId": {"Ref": "AuthClient"},
            "arn": {"Fn::GetAtt": ["Auth", "Arn"]},
        }
    }
    statements = graph.resource("AdminRole").properties["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements[-1]["Resource"] == [{"Fn::GetAtt": ["Auth", "Arn"]}]
    assert all(
        action.startswith("cognito-idp:Admin") or "List" in action or "Describe" in action
        for action in statements[-1]["Action"]
    )


def problems_of(app: App) -> str:
    with pytest.raises(ValidationErrors) as caught:
        synthesize(app)
    return caught.value.format()


@pytest.mark.parametrize(
    ("authorizers", "routes", "expected"),
    [
        ({}, {"GET /x": {"function": "fn.handler", "authorizer": "main"}}, "unknown authorizer 'main'"),
        (
            {"custom": {"type": "lambda", "function": "fn.handler"}},
            {"GET /x": {"function": "fn.handler", "authorizer": "custom", "authorization_scopes": ["r"]}},
            "authorization_scopes ['r'] on the lambda authorizer 'custom'",
        ),
        ({}, {"GET /x": {"function": "fn.handler", "authorization_scopes": ["r"]}}, "but no authorizer"),
        ({"x": {"type": "oauth"}}, {}, "unknown type 'oauth'"),
        ({"x": {"type": "jwt", "issuer": "http://id.example.com", "audience": ["a"]}}, {}, "https://"),
        ({"x": {"type": "jwt", "issuer": "https://id.example.com"}}, {}, "needs audience"),
        ({"x": {"type": "user_pool", "user_pool": "pool"}}, {}, "needs user_pool"),
        ({"x": {"type": "lambda", "function": "fn.handler", "ttl": 7200}}, {}, "ttl 7200"),
        ({"x": {"type": "lambda", "function": "fn.handler", "response_types": ["jwt"]}}, {}, "'jwt'"),
        (
            {"x": {"type": "jwt", "issuer": "https://i", "audience": ["a"], "ttl": 5}},
            {},
            "unknown key `ttl` in authorizers['x']",
        ),
        ({"none": {"type": "jwt", "issuer": "https://i", "audience": ["a"]}}, {}, "name 'none'"),
        (
            {},
            {"GET /x": {"function": "fn.handler", "authoriser": "main"}},
            "unknown key `authoriser` in routes['GET /x']; did you mean `authorizer`?",
        ),
    ],
)
def test_mistakes_name_the_api_the_value_and_the_line(
    app: App, authorizers: dict[str, Any], routes: dict[str, Any], expected: str
) -> None:
    stack = stack_of(app)
    line = sys._getframe().f_lineno + 1
    Api(stack, "Api", authorizers=authorizers, routes=routes)
    message = problems_of(app)
    assert "Api 'Api'" in message
    assert expected in message
    assert f"{Path(__file__)}:{line}" in message


def test_unknown_default_authorizer(app: App) -> None:
    Api(stack_of(app), "Api", defaults={"authorizer": "main"}, routes={"GET /": "fn.handler"})
    assert "defaults authorizer 'main' is not defined" in problems_of(app)


def test_unknown_login_and_trigger(app: App) -> None:
    Cognito(stack_of(app), "Auth", login=["mail"], triggers={"pre_signup": "fn.handler"})  # type: ignore[list-item,arg-type]
    message = problems_of(app)
    assert "Cognito 'Auth': unknown login 'mail'" in message
    assert "unknown key `pre_signup` in triggers; did you mean `pre_sign_up`?" in message


def test_resource_stubs_type_the_pool(app: App) -> None:
    from squall.binding.types import render

    full_api(stack_of(app))
    stub = render(app)
    assert "class _AuthCognito:" in stub
    assert "    user_pool_id: Final[str]" in stub and "    client_id: Final[str]" in stub
