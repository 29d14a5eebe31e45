"""The local cloud's Cognito: end users call it unsigned as on AWS, admins must sign, pools publish their
keys, and tokens issued before a restart stay valid after it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import boto3
import botocore
import botocore.config
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from squall import cloud
from tests.integration.cloud.conftest import Daemons
from tests.integration.conftest import ClientFactory

PASSWORD = "Corr3ct-Horse!"


def unsigned(endpoint: str) -> Any:
    config = botocore.config.Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1})
    return boto3.Session(region_name="us-east-1").client("cognito-idp", endpoint_url=endpoint, config=config)


def pool_with_user(idp: Any, user: Any) -> tuple[str, str, str]:
    pool = idp.create_user_pool(PoolName=f"p-{uuid.uuid4().hex[:6]}", UsernameAttributes=["email"])[
        "UserPool"
    ]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    user.sign_up(ClientId=client["ClientId"], Username=email, Password=PASSWORD)
    idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username=email)
    return pool["Id"], client["ClientId"], email


def sign_in(user: Any, client_id: str, email: str) -> dict[str, str]:
    result = user.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return dict(result["AuthenticationResult"])


def test_end_users_unsigned_admins_signed_and_the_keys_public(
    aws_client: ClientFactory, local_cloud: cloud.CloudInfo
) -> None:
    idp, user = aws_client("cognito-idp"), unsigned(local_cloud.endpoint)
    pool_id, client_id, email = pool_with_user(idp, user)
    tokens = sign_in(user, client_id, email)
    assert user.get_user(AccessToken=tokens["AccessToken"])["Username"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        user.admin_get_user(UserPoolId=pool_id, Username=email)
    assert refused.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
    with pytest.raises(botocore.exceptions.ClientError):
        user.list_user_pools(MaxResults=5)
    # a web page cannot reach it, signed or not
    page = urllib.request.Request(
        local_cloud.endpoint,
        data=json.dumps({"ClientId": client_id, "Username": "x@example.com", "Password": PASSWORD}).encode(),
        headers={
            "Origin": "https://evil.example",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.SignUp",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as from_page:
        urllib.request.urlopen(page, timeout=10)
    assert from_page.value.code in (400, 403)

    with urllib.request.urlopen(
        f"{local_cloud.endpoint}/{pool_id}/.well-known/jwks.json", timeout=10
    ) as answer:
        keys = KeySet.import_key_set(json.loads(answer.read()))
    claims = jwt.decode(tokens["IdToken"], keys, algorithms=["RS256"]).claims
    assert claims["iss"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    assert claims["aud"] == client_id and claims["email"] == email


def test_tokens_survive_a_restart(daemons: Daemons) -> None:
    home = daemons.home()
    info = daemons.start(home)
    idp, user = daemons.clients(info)("cognito-idp"), unsigned(info.endpoint)
    _, client_id, email = pool_with_user(idp, user)
    tokens = sign_in(user, client_id, email)
    assert cloud.stop(home)
    info = daemons.start(home)
    user = unsigned(info.endpoint)
    assert user.get_user(AccessToken=tokens["AccessToken"])["Username"]
    assert sign_in(user, client_id, email)["IdToken"]
