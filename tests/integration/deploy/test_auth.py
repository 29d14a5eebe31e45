"""Auth on an Api: a Cognito pool, JWT and Lambda authorizers deployed and enforced by the local cloud.

One app, deployed once per module: each test calls its routes over HTTP as a client would, with tokens
from the local Cognito (sign-up, admin confirm, initiate-auth with boto3 alone) or signed by a loopback
issuer whose JWKS the local cloud fetches.
"""

from __future__ import annotations

import json
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.config
import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from joserfc.jwk import RSAKey

from squall import cloud
from squall.cloud import CloudInfo
from squall.deploy import Clients, boto3_clients, deploy, diff, remove
from squall.runtime.records import INVOCATIONS_LOG_GROUP, InvocationRecord
from tests.integration.deploy.auth_support import Issuer, loopback_issuer
from tests.integration.deploy.helpers import leftovers, load

CONFIG = """
from squall import App, Stack
from squall.constructs import Api, Cognito


def config(input):
    return {{"name": "guarded", "region": "us-east-1"}}


def stacks(app: App) -> None:
    app.stack(main)


def main(stack: Stack) -> None:
    auth = Cognito(stack, "Auth", login=["email"])
    echo = "functions/echo.handler"
    api = Api(
        stack,
        "Api",
        authorizers={{
            "main": {{"type": "user_pool", "user_pool": auth}},
            "partner": {{"type": "jwt", "issuer": "{issuer}", "audience": ["partner-app"]}},
            "custom": {{"type": "lambda", "function": "functions/authz.handler", "ttl": 300}},
            "policy": {{"type": "lambda", "function": "functions/policy.handler", "response_types": ["iam"],
                        "ttl": 0}},
        }},
        defaults={{"authorizer": "main"}},
        routes={{
            "GET /me": echo,
            "GET /public": {{"function": echo, "authorizer": "none"}},
            "GET /orders": {{"function": echo, "authorizer": "partner", "authorization_scopes": ["orders/read"]}},
            "GET /custom": {{"function": echo, "authorizer": "custom"}},
            "GET /policy": {{"function": echo, "authorizer": "policy"}},
        }},
    )
    stack.add_outputs({{"ApiEndpoint": api.url, "UserPoolId": auth.user_pool_id, "ClientId": auth.client_id}})
"""

ECHO = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""

AUTHZ = """
import uuid


def handler(event, context):
    allowed = event["identitySource"] == ["letmein"] or event["identitySource"] == ["again"]
    # a fresh nonce per invocation: a cached verdict hands the route the first one again
    return {"isAuthorized": allowed, "context": {"nonce": str(uuid.uuid4()), "user": "alice"}}
"""

POLICY = """
def handler(event, context):
    effect = "Allow" if event["headers"].get("authorization") == "allow" else "Deny"
    return {
        "principalId": "partner",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["routeArn"]}],
        },
        "context": {"tier": "gold"},
    }
"""


@dataclass
class Guarded:
    endpoint: str
    pool_id: str
    client_id: str
    issuer: Issuer
    clients: Clients
    prefix: str


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, local_cloud: CloudInfo) -> Iterator[Guarded]:
    clients = boto3_clients(
        target="local",
        region="us-east-1",
        endpoint=local_cloud.endpoint,
        credentials=cloud.credentials(local_cloud.home),
    )
    stage = f"t{uuid.uuid4().hex[:8]}"
    root = tmp_path_factory.mktemp("guarded")
    (root / "functions").mkdir()
    for name, source in {"echo": ECHO, "authz": AUTHZ, "policy": POLICY}.items():
        (root / "functions" / f"{name}.py").write_text(textwrap.dedent(source).lstrip())
    with loopback_issuer() as issuer:
        (root / "squall.config.py").write_text(textwrap.dedent(CONFIG.format(issuer=issuer.url)).lstrip())
        project = load(root, stage)
        result = deploy(project, clients=clients)
        out = result.outputs
        yield Guarded(
            out["ApiEndpoint"], out["UserPoolId"], out["ClientId"], issuer, clients, f"guarded-{stage}-"
        )
        remove(project, clients=clients)
        assert leftovers(clients, f"guarded-{stage}-") == {}


def call(url: str, token: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"Authorization": token} if token is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def unsigned_idp(endpoint: str) -> Any:
    """A Cognito client as an app's end user has one: no AWS credentials at all."""
    config = botocore.config.Config(signature_version=botocore.UNSIGNED)
    return boto3.Session(region_name="us-east-1").client("cognito-idp", endpoint_url=endpoint, config=config)


def sign_in(guarded: Guarded, endpoint: str) -> dict[str, str]:
    """Sign-up, admin confirm and initiate-auth, with boto3 only; the tokens Cognito answers."""
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    user = unsigned_idp(endpoint)
    user.sign_up(
        ClientId=guarded.client_id,
        Username=email,
        Password="Corr3ct-Horse!",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    guarded.clients("cognito-idp").admin_confirm_sign_up(UserPoolId=guarded.pool_id, Username=email)
    result = user.initiate_auth(
        ClientId=guarded.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": "Corr3ct-Horse!"},
    )["AuthenticationResult"]
    return {"id": result["IdToken"], "access": result["AccessToken"], "email": email}


def record_where(guarded: Guarded, function: str, wanted: Any) -> InvocationRecord:
    """The first invocation record of ``function`` for which ``wanted(record)`` holds (they ship in batches)."""
    logs = guarded.clients("logs")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(
                logGroupName=INVOCATIONS_LOG_GROUP, logStreamNames=[guarded.prefix + function]
            )["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        for event in events:
            record = InvocationRecord.parse(event["message"])
            if record is not None and wanted(record):
                return record
        time.sleep(0.1)
    raise AssertionError(f"no such record of {function}")


def test_deployed_authorizers_and_route_settings(guarded: Guarded) -> None:
    apigw = guarded.clients("apigatewayv2")
    api = next(a for a in apigw.get_apis()["Items"] if a["Name"] == f"{guarded.prefix}Api")
    authorizers = {a["Name"]: a for a in apigw.get_authorizers(ApiId=api["ApiId"])["Items"]}
    assert set(authorizers) == {"main", "partner", "custom", "policy"}
    main = authorizers["main"]
    assert main["AuthorizerType"] == "JWT"
    assert main["JwtConfiguration"] == {
        "Audience": [guarded.client_id],
        "Issuer": f"https://cognito-idp.us-east-1.amazonaws.com/{guarded.pool_id}",
    }
    assert authorizers["custom"]["AuthorizerType"] == "REQUEST"
    routes = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]}
    assert routes["GET /me"]["AuthorizationType"] == "JWT"
    assert routes["GET /me"]["AuthorizerId"] == main["AuthorizerId"]
    assert routes["GET /orders"]["AuthorizationScopes"] == ["orders/read"]
    assert routes["GET /custom"]["AuthorizationType"] == "CUSTOM"
    assert routes["GET /public"].get("AuthorizationType", "NONE") == "NONE"
    policy = json.loads(
        guarded.clients("lambda").get_policy(FunctionName=f"{guarded.prefix}ApiCustomAuthorizerFn")["Policy"]
    )
    assert [s["Principal"]["Service"] for s in policy["Statement"]] == ["apigateway.amazonaws.com"]


def test_no_token_is_401_and_public_route_stays_open(guarded: Guarded) -> None:
    assert call(f"{guarded.endpoint}/me") == (401, {"message": "Unauthorized"})
    assert call(f"{guarded.endpoint}/me", "Bearer not-a-jwt") == (401, {"message": "Unauthorized"})
    refused = record_where(guarded, "ApiGetMe", lambda r: r.refusal and "does not verify" in r.refusal)
    assert refused.summary()["status"] == "401"
    assert refused.refusal is not None and refused.refusal.startswith("main: ")
    status, event = call(f"{guarded.endpoint}/public")
    assert status == 200
    assert "authorizer" not in event["requestContext"] or not event["requestContext"]["authorizer"]


def test_cognito_id_token_reaches_the_route_with_its_claims(guarded: Guarded, local_cloud: CloudInfo) -> None:
    tokens = sign_in(guarded, local_cloud.endpoint)
    status, event = call(f"{guarded.endpoint}/me", tokens["id"])
    assert status == 200
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["email"] == tokens["email"]
    assert claims["aud"] == guarded.client_id
    assert claims["iss"] == f"https://cognito-idp.us-east-1.amazonaws.com/{guarded.pool_id}"
    assert claims["exp"].isdigit()
    record = record_where(guarded, "ApiGetMe", lambda r: r.summary()["caller"] == tokens["email"])
    assert record.refusal is None and record.summary()["status"] == "200"
    parsed = APIGatewayProxyEventV2(event)
    assert parsed.request_context.authorizer.jwt_claim["email"] == tokens["email"]
    assert parsed.request_context.authorizer.jwt_claim["token_use"] == "id"
    # the access token names the client as client_id, which is as good as aud
    status, event = call(f"{guarded.endpoint}/me", f"Bearer {tokens['access']}")
    assert status == 200
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["client_id"] == guarded.client_id


def test_foreign_issuer_tokens(guarded: Guarded) -> None:
    issuer, url = guarded.issuer, f"{guarded.endpoint}/orders"
    good = issuer.token(aud="partner-app", scope="orders/read orders/write")
    status, event = call(url, f"Bearer {good}")
    assert status == 200
    parsed = APIGatewayProxyEventV2(event)
    assert parsed.request_context.authorizer.jwt_claim["sub"] == "partner-user"
    assert parsed.request_context.authorizer.jwt_scopes == ["orders/read", "orders/write"]
    assert "/jwks.json" in issuer.requests

    now = int(time.time())
    expired = issuer.token(aud="partner-app", scope="orders/read", iat=now - 7200, exp=now - 3600)
    assert call(url, expired) == (401, {"message": "Unauthorized"})
    wrong_audience = issuer.token(aud="someone-else", scope="orders/read")
    assert call(url, wrong_audience) == (401, {"message": "Unauthorized"})
    not_yet = issuer.token(aud="partner-app", scope="orders/read", nbf=now + 3600)
    assert call(url, not_yet) == (401, {"message": "Unauthorized"})
    head, payload, signature = good.split(".")
    tampered = f"{head}.{payload[:-4]}AAAA.{signature}"
    assert call(url, tampered) == (401, {"message": "Unauthorized"})
    other_key = RSAKey.generate_key(2048, parameters={"kid": str(issuer.key.kid)})
    assert call(url, issuer.token(other_key, aud="partner-app", scope="orders/read")) == (
        401,
        {"message": "Unauthorized"},
    )
    missing_scope = issuer.token(aud="partner-app", scope="orders/write")
    assert call(url, missing_scope) == (403, {"message": "Forbidden"})
    # a token for the pool's routes is no token for the partner's, and the other way round
    assert call(f"{guarded.endpoint}/me", good) == (401, {"message": "Unauthorized"})


def test_lambda_authorizer_allows_denies_and_caches(guarded: Guarded) -> None:
    url = f"{guarded.endpoint}/custom"
    assert call(url) == (401, {"message": "Unauthorized"})  # no identity source: the function never runs
    assert call(url, "nope") == (403, {"message": "Forbidden"})
    status, first = call(url, "letmein")
    assert status == 200
    context = first["requestContext"]["authorizer"]["lambda"]
    assert context["user"] == "alice"
    assert APIGatewayProxyEventV2(first).request_context.authorizer.get_lambda["user"] == "alice"
    status, second = call(url, "letmein")
    assert status == 200
    assert second["requestContext"]["authorizer"]["lambda"]["nonce"] == context["nonce"]  # cached
    status, third = call(url, "again")  # another identity: the function runs again
    assert third["requestContext"]["authorizer"]["lambda"]["nonce"] != context["nonce"]

    # the function's log says how often it ran: once per identity, not for the cached call
    logs = guarded.clients("logs")
    group = f"/aws/lambda/{guarded.prefix}ApiCustomAuthorizerFn"
    deadline = time.monotonic() + 30
    starts: list[str] = []
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        starts = [e["message"] for e in events if e["message"].startswith("START")]
        if len(starts) >= 3:
            break
        time.sleep(0.1)
    assert len(starts) == 3  # "nope", "letmein", "again"


def test_iam_policy_authorizer(guarded: Guarded) -> None:
    url = f"{guarded.endpoint}/policy"
    status, event = call(url, "allow")
    assert status == 200
    assert event["requestContext"]["authorizer"]["lambda"] == {"tier": "gold"}
    assert call(url, "deny") == (403, {"message": "Forbidden"})


SMALL = """
from squall import App, Stack
from squall.constructs import Api, Cognito


def config(input):
    return {"name": "opened", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(main)


def main(stack: Stack) -> None:
    auth = Cognito(stack, "Auth", login=["email"])
    api = Api(stack, "Api", authorizers={"main": {"type": "user_pool", "user_pool": auth}},
              defaults={"authorizer": "main"}, routes={"GET /me": "functions/echo.handler"})
    stack.add_outputs({"ApiEndpoint": api.url})
"""


def test_a_route_made_public_and_an_authorizer_removed(tmp_path: Path, clients: Clients, stage: str) -> None:
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "echo.py").write_text(textwrap.dedent(ECHO).lstrip())
    config = tmp_path / "squall.config.py"
    config.write_text(textwrap.dedent(SMALL).lstrip())
    url = deploy(load(tmp_path, stage), clients=clients).outputs["ApiEndpoint"]
    assert diff(load(tmp_path, stage), clients=clients).is_empty
    assert call(f"{url}/me")[0] == 401

    config.write_text(config.read_text().replace('defaults={"authorizer": "main"}, ', ""))
    deploy(load(tmp_path, stage), clients=clients)
    assert call(f"{url}/me")[0] == 200

    config.write_text(
        config.read_text().replace('authorizers={"main": {"type": "user_pool", "user_pool": auth}},', "")
    )
    project = load(tmp_path, stage)
    assert diff(project, clients=clients).actions() == {"ApiMainAuthorizer": "delete"}
    deploy(project, clients=clients)
    assert call(f"{url}/me")[0] == 200
    remove(project, clients=clients)
    assert leftovers(clients, f"opened-{stage}-") == {}


TRIGGERED = """
from squall import App, Stack
from squall.constructs import Cognito, Table


def config(input):
    return {"name": "triggered", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(main)


def main(stack: Stack) -> None:
    welcomed = Table(stack, "Welcomed", fields={"user": "string"}, primary_index={"partition_key": "user"})
    auth = Cognito(stack, "Auth", login=["email"], triggers={
        "pre_sign_up": "functions/gate.handler",
        "post_confirmation": {"handler": "functions/welcome.handler", "bind": [welcomed]},
    })
    stack.add_outputs({"UserPoolId": auth.user_pool_id, "ClientId": auth.client_id})
"""

GATE = """
def handler(event, context):
    email = event["request"]["userAttributes"].get("email", "")
    if not email.endswith("@example.com"):
        raise ValueError("only example.com may sign up")
    event["response"]["autoConfirmUser"] = email.startswith("vip")
    return event
"""

WELCOME = """
import boto3
from squall import Resource


def handler(event, context):
    boto3.resource("dynamodb").Table(Resource.Welcomed.table_name).put_item(Item={"user": event["userName"]})
    return event
"""


def test_pre_sign_up_and_post_confirmation_triggers_run(
    tmp_path: Path, clients: Clients, stage: str, local_cloud: CloudInfo
) -> None:
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "gate.py").write_text(textwrap.dedent(GATE).lstrip())
    (tmp_path / "functions" / "welcome.py").write_text(textwrap.dedent(WELCOME).lstrip())
    (tmp_path / "squall.config.py").write_text(textwrap.dedent(TRIGGERED).lstrip())
    project = load(tmp_path, stage)
    out = deploy(project, clients=clients).outputs
    user = unsigned_idp(local_cloud.endpoint)

    with pytest.raises(botocore.exceptions.ClientError) as refused:
        user.sign_up(
            ClientId=out["ClientId"],
            Username="eve@evil.example",
            Password="Corr3ct-Horse!",
            UserAttributes=[{"Name": "email", "Value": "eve@evil.example"}],
        )
    assert refused.value.response["Error"]["Code"] == "UserLambdaValidationException"
    assert "PreSignUp failed with error only example.com may sign up" in str(refused.value)

    vip = user.sign_up(
        ClientId=out["ClientId"],
        Username="vip@example.com",
        Password="Corr3ct-Horse!",
        UserAttributes=[{"Name": "email", "Value": "vip@example.com"}],
    )
    assert vip["UserConfirmed"] is True
    plain = user.sign_up(
        ClientId=out["ClientId"],
        Username="ann@example.com",
        Password="Corr3ct-Horse!",
        UserAttributes=[{"Name": "email", "Value": "ann@example.com"}],
    )
    assert plain["UserConfirmed"] is False
    idp = clients("cognito-idp")
    assert (
        idp.admin_get_user(UserPoolId=out["UserPoolId"], Username="vip@example.com")["UserStatus"]
        == "CONFIRMED"
    )
    idp.admin_confirm_sign_up(UserPoolId=out["UserPoolId"], Username="ann@example.com")
    table = clients("dynamodb")
    items = table.scan(TableName=f"triggered-{stage}-Welcomed")["Items"]
    # each confirmation ran the welcome function: vip's by the gate, ann's by the admin
    assert sorted(item["user"]["S"] for item in items) == ["ann@example.com", "vip@example.com"]
    remove(project, clients=clients)
    assert leftovers(clients, f"triggered-{stage}-") == {}
