"""``squall init --template auth``: deployed to the local cloud and run under ``squall dev``; a user signs up,
is confirmed, signs in with boto3 and calls the protected route with the ID token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.config

from squall.cloud import CloudInfo
from tests.e2e.dev.test_dev import start_dev
from tests.integration.conftest import ClientFactory

PASSWORD = "Corr3ct-Horse!"


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def id_token(endpoint: str, aws_client: ClientFactory, pool_id: str, client_id: str) -> tuple[str, str]:
    """A new user's email and ID token: sign-up and initiate-auth unsigned, as an end user; admin confirm."""
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    unsigned = botocore.config.Config(signature_version=botocore.UNSIGNED)
    user = boto3.Session(region_name="us-east-1").client(
        "cognito-idp", endpoint_url=endpoint, config=unsigned
    )
    user.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)
    aws_client("cognito-idp").admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
    result = user.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return email, str(result["AuthenticationResult"]["IdToken"])


def init_auth_app(tmp_path: Path, home: Path) -> Path:
    root = tmp_path / "guarded"
    done = subprocess.run(
        [sys.executable, "-m", "squall.cli", "init", str(root), "--template", "auth"],
        env={**os.environ, "SQUALL_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return root


def outputs(root: Path, home: Path, stage: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "squall.cli", "outputs", "--json", "--stage", stage],
        cwd=root,
        env={**os.environ, "SQUALL_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def check_the_app(url: str, endpoint: str, aws_client: ClientFactory, found: dict[str, Any]) -> str:
    """The protected route refuses no token and a forged one, and answers a signed-in user (returned)."""
    assert get(f"{url}/me") == (401, b'{"message":"Unauthorized"}')
    assert get(f"{url}/health") == (200, b"ok")
    email, token = id_token(endpoint, aws_client, found["UserPoolId"], found["ClientId"])
    status, body = get(f"{url}/me", token)
    assert status == 200, body
    assert json.loads(body)["email"] == email
    assert get(f"{url}/me", token[:-3] + "abc")[0] == 401
    return email


def test_auth_template_deployed(
    tmp_path: Path,
    local_cloud: CloudInfo,
    local_cloud_home: Path,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    root = init_auth_app(tmp_path, local_cloud_home)
    stage = unique_name("auth")
    env = {**os.environ, "SQUALL_HOME": str(local_cloud_home)}
    squall = [sys.executable, "-m", "squall.cli"]
    done = subprocess.run(
        [*squall, "deploy", "--stage", stage, "--yes"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    found = outputs(root, local_cloud_home, stage)
    check_the_app(found["ApiEndpoint"], local_cloud.endpoint, aws_client, found)
    done = subprocess.run(
        [*squall, "remove", "--stage", stage, "--yes"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    pools = aws_client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    assert not [p for p in pools if p["Name"].startswith(f"guarded-{stage}-")]


def test_auth_template_under_dev(
    tmp_path: Path,
    local_cloud: CloudInfo,
    local_cloud_home: Path,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    root = init_auth_app(tmp_path, local_cloud_home)
    stage = unique_name("authdev")
    dev, url = start_dev(root, local_cloud_home, stage)
    try:
        email = check_the_app(url, local_cloud.endpoint, aws_client, outputs(root, local_cloud_home, stage))
        dev.wait_for(lambda line: "ApiGetMe" in line and "200" in line and f"by {email}" in line)
        assert dev.interrupt() == 0
    finally:
        dev.kill()
