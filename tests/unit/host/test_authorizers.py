"""Authorizer verdicts without a cloud: tokens signed here, functions faked through the constructor."""

from __future__ import annotations

import json
import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from squall.host.jwt_authorizer import HttpJwks, JwtAuthorizerConfig, check_jwt, string_claims
from squall.host.lambda_authorizer import LambdaAuthorizerConfig, LambdaAuthorizers, identity_values, judge

KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
ISSUER = "https://id.example.com"
CONFIG = JwtAuthorizerConfig("a1", "partner", "$request.header.Authorization", ISSUER, ("app",))
ARN = "arn:aws:execute-api:us-east-1:123456789012:api1/$default/GET/orders"


class StaticJwks:
    def keys(self, issuer: str, *, refresh: bool = False) -> dict[str, Any] | None:
        return dict(KeySet([KEY]).as_dict(private=False)) if issuer == ISSUER else None


def token(**claims: Any) -> str:
    now = int(time.time())
    return jwt.encode(
        {"alg": "RS256", "kid": "k1"}, {"iss": ISSUER, "aud": "app", "exp": now + 60, **claims}, KEY
    )


def test_a_valid_token_passes_with_string_claims() -> None:
    verdict = check_jwt(
        CONFIG, f"Bearer {token(scope='a b', groups=['x', 'y'])}", ["b"], StaticJwks(), time.time()
    )
    assert verdict.status == 200
    assert verdict.context is not None
    assert verdict.context["jwt"]["scopes"] == ["a", "b"]
    assert verdict.context["jwt"]["claims"]["groups"] == "[x y]"


def test_each_bad_token_is_refused_with_its_reason() -> None:
    now = time.time()
    cases = {
        None: (401, "no token"),
        token(iss="https://else"): (401, "issuer"),
        token(aud="other"): (401, "audience"),
        token(exp=int(now) - 1): (401, "expired"),
        token(nbf=int(now) + 60): (401, "nbf"),
        token(scope="c"): (403, "scopes"),
    }
    for value, (status, words) in cases.items():
        verdict = check_jwt(CONFIG, value, ["a"], StaticJwks(), now)
        assert (verdict.status, words in verdict.reason) == (status, True), (value, verdict)


def test_access_tokens_name_the_audience_as_client_id() -> None:
    now = int(time.time())
    access = jwt.encode(
        {"alg": "RS256", "kid": "k1"}, {"iss": ISSUER, "client_id": "app", "exp": now + 60}, KEY
    )
    assert check_jwt(CONFIG, access, [], StaticJwks(), time.time()).status == 200


def test_string_claims_as_api_gateway_writes_them() -> None:
    assert string_claims({"n": 5, "b": True, "l": ["a", 1], "d": {"k": 1}}) == {
        "n": "5",
        "b": "true",
        "l": "[a 1]",
        "d": '{"k":1}',
    }


def test_foreign_keys_are_fetched_once_per_ttl() -> None:
    fetched: list[str] = []
    now = [0.0]
    public = KeySet([KEY]).as_dict(private=False)

    def fetch(url: str) -> bytes:
        fetched.append(url)
        if url.endswith("openid-configuration"):
            return json.dumps({"jwks_uri": f"{ISSUER}/keys"}).encode()
        return json.dumps(public).encode()

    jwks = HttpJwks(fetch, clock=lambda: now[0], ttl=10)
    assert jwks.keys(ISSUER) == public
    assert jwks.keys(ISSUER) == public
    assert len(fetched) == 2
    now[0] = 11
    jwks.keys(ISSUER)
    assert len(fetched) == 4
    assert jwks.keys("http://elsewhere.example.com") is None  # plain HTTP only on loopback


def test_identity_sources_must_all_be_there() -> None:
    event = {
        "headers": {"x-key": "k"},
        "queryStringParameters": {"t": "1"},
        "requestContext": {"http": {"sourceIp": "1.2.3.4"}},
    }
    sources = ["$request.header.X-Key", "$request.querystring.t", "$context.http.sourceIp"]
    assert identity_values(sources, event) == ["k", "1", "1.2.3.4"]
    assert identity_values(["$request.header.Authorization"], event) is None


def test_lambda_verdicts_are_cached_per_identity_for_the_ttl() -> None:
    calls: list[dict[str, Any]] = []
    now = [0.0]

    def invoke(function: str, event: dict[str, Any]) -> tuple[Any, str | None]:
        calls.append(event)
        return {"isAuthorized": event["identitySource"] == ["yes"], "context": {"n": len(calls)}}, None

    authorizers = LambdaAuthorizers(invoke, lambda: now[0])
    config = LambdaAuthorizerConfig("a", "custom", "fn", ("$request.header.Authorization",), True, 30)
    event = {"headers": {"authorization": "yes"}, "requestContext": {}, "body": "secret"}
    assert authorizers.check(config, event, ARN).context == {"lambda": {"n": 1}}
    assert authorizers.check(config, event, ARN).context == {"lambda": {"n": 1}}
    assert "body" not in calls[0] and calls[0]["type"] == "REQUEST" and calls[0]["routeArn"] == ARN
    assert authorizers.check(config, {**event, "headers": {"authorization": "no"}}, ARN).status == 403
    now[0] = 31
    assert authorizers.check(config, event, ARN).context == {"lambda": {"n": 3}}


def test_iam_policy_responses() -> None:
    def policy(effect: str, resource: str) -> dict[str, Any]:
        statement = {"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}
        return {"principalId": "p", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}

    assert judge(policy("Allow", ARN), False, ARN).status == 200
    assert (
        judge(policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:api1/*"), False, ARN).status == 200
    )
    assert (
        judge(policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:api1/*/POST/*"), False, ARN).status
        == 403
    )
    assert judge(policy("Deny", ARN), False, ARN).status == 403
    assert judge({"isAuthorized": "yes"}, True, ARN).status == 500
    assert judge("not json", True, ARN).status == 500


def test_tokens_not_signed_with_the_issuers_rsa_keys_are_refused() -> None:
    import base64

    def part(document: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()

    claims = {"iss": ISSUER, "aud": "app", "exp": int(time.time()) + 60}
    unsigned = f"{part({'alg': 'none', 'kid': 'k1'})}.{part(claims)}."
    assert check_jwt(CONFIG, unsigned, [], StaticJwks(), time.time()).status == 401
    from joserfc.jwk import OctKey

    shared = OctKey.import_key(b"a shared secret anyone could guess at")
    hmac = jwt.encode({"alg": "HS256", "kid": "k1"}, claims, shared)
    assert check_jwt(CONFIG, hmac, [], StaticJwks(), time.time()).status == 401


def test_a_cached_policy_is_judged_again_for_each_route() -> None:
    calls: list[str] = []
    get_orders = "arn:aws:execute-api:us-east-1:123456789012:api1/$default/GET/orders"

    def invoke(function: str, event: dict[str, Any]) -> tuple[Any, str | None]:
        calls.append(event["routeArn"])
        statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": get_orders}
        return {"principalId": "p", "policyDocument": {"Statement": [statement]}}, None

    authorizers = LambdaAuthorizers(invoke, lambda: 0.0)
    config = LambdaAuthorizerConfig("a", "policy", "fn", ("$request.header.Authorization",), False, 300)
    event = {"headers": {"authorization": "t"}, "requestContext": {}}
    assert authorizers.check(config, event, get_orders).status == 200
    assert authorizers.check(config, event, get_orders.replace("/GET/", "/POST/")).status == 403
    assert calls == [get_orders]


def test_a_new_key_id_has_the_keys_read_again_at_most_once_a_minute() -> None:
    rotated = RSAKey.generate_key(2048, parameters={"kid": "k2"})
    published = [KeySet([KEY])]
    fetched: list[str] = []
    now = [1000.0]

    def fetch(url: str) -> bytes:
        fetched.append(url)
        if url.endswith("openid-configuration"):
            return json.dumps({"jwks_uri": f"{ISSUER}/keys"}).encode()
        return json.dumps(published[0].as_dict(private=False)).encode()

    jwks = HttpJwks(fetch, clock=lambda: now[0])
    assert check_jwt(CONFIG, token(), [], jwks, time.time()).status == 200
    published[0] = KeySet([KEY, rotated])
    claims = {"iss": ISSUER, "aud": "app", "exp": int(time.time()) + 60}
    new = jwt.encode({"alg": "RS256", "kid": "k2"}, claims, rotated)
    assert check_jwt(CONFIG, new, [], jwks, time.time()).status == 401  # read less than a minute ago
    now[0] += 61
    assert check_jwt(CONFIG, new, [], jwks, time.time()).status == 200
    assert len(fetched) == 4
