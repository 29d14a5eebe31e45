"""The deploy commands as a user runs them: subprocesses finding the local cloud through SQUALL_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from squall.cloud import CloudInfo
from squall.deploy import Clients
from tests.integration.deploy.helpers import leftovers


def squall(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "squall.cli", *args],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_deploy_diff_outputs_remove(
    shortener: Path, stage: str, clients: Clients, local_cloud: CloudInfo, local_cloud_home: Path
) -> None:
    env = {**os.environ, "SQUALL_HOME": str(local_cloud_home), "SQUALL_CLOUD_PORT": str(local_cloud.port)}
    deployed = squall(shortener, env, "deploy", "--stage", stage)
    assert deployed.returncode == 0, deployed.stderr
    assert "created" in deployed.stderr and "Lambda::Function ApiGetCode" in deployed.stderr
    assert deployed.stdout.startswith("ApiEndpoint: ")

    plan = squall(shortener, env, "diff", "--stage", stage, "--json")
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["steps"] == []

    found = squall(shortener, env, "outputs", "--stage", stage, "--json")
    assert found.returncode == 0, found.stderr
    endpoint = json.loads(found.stdout)["ApiEndpoint"]
    assert deployed.stdout.strip() == f"ApiEndpoint: {endpoint}"

    (shortener / "functions" / "stats.py").write_text(
        (shortener / "functions" / "stats.py").read_text() + "\n#\n"
    )
    plan = squall(shortener, env, "diff", "--stage", stage, "--json")
    assert {(s["action"], tuple(s["changes"])) for s in json.loads(plan.stdout)["steps"]} == {
        ("update", ("Code",))
    }

    refused = squall(shortener, env, "remove", "--stage", stage, "--target", "aws")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr

    removed = squall(shortener, env, "remove", "--stage", stage, "--yes")
    assert removed.returncode == 0, removed.stderr
    assert leftovers(clients, f"url-shortener-{stage}-") == {}

    missing = squall(shortener, env, "outputs", "--stage", stage, "--json")
    assert missing.returncode == 1 and "has not been deployed" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_a_missing_secret_stops_the_deploy_naming_the_command(
    make_project: object, stage: str, local_cloud: CloudInfo, local_cloud_home: Path
) -> None:
    root = make_project(  # type: ignore[operator]
        """
        from squall.constructs import Function, Secret

        def config(input):
            return {"name": "secretive"}

        def stacks(app):
            app.stack(main)

        def main(stack):
            key = Secret(stack, "ApiKey")
            Function(stack, "Fn", "fn.handler", bind=[key])
        """,
        {"fn.py": "def handler(event, context):\n    return 1\n"},
    )
    env = {**os.environ, "SQUALL_HOME": str(local_cloud_home), "SQUALL_CLOUD_PORT": str(local_cloud.port)}
    result = squall(root, env, "deploy", "--stage", stage)
    assert result.returncode == 1
    assert f"squall secret set ApiKey VALUE --stage {stage}" in result.stderr
    assert "Traceback" not in result.stderr


SECRETIVE = """
from squall.constructs import Function, Secret

def config(input):
    return {"name": "secretive"}

def stacks(app):
    app.stack(main)

def main(stack):
    Function(stack, "Fn", "fn.handler", bind=[Secret(stack, "ApiKey"), Secret(stack, "Shared")])
"""


def test_remove_deletes_the_stages_secrets_but_not_the_fallbacks(
    make_project: object, stage: str, clients: Clients, local_cloud: CloudInfo, local_cloud_home: Path
) -> None:
    root = make_project(SECRETIVE, {"fn.py": "def handler(event, context):\n    return 1\n"})  # type: ignore[operator]
    env = {**os.environ, "SQUALL_HOME": str(local_cloud_home), "SQUALL_CLOUD_PORT": str(local_cloud.port)}
    ssm = clients("ssm")

    unset = squall(root, env, "diff", "--stage", stage)
    assert unset.returncode == 0, unset.stderr
    assert "! problem  secret ApiKey has no value" in unset.stdout
    assert f"squall secret set ApiKey VALUE --stage {stage}" in unset.stdout
    as_json = json.loads(squall(root, env, "diff", "--stage", stage, "--json").stdout)
    assert len(as_json["problems"]) == 2

    for args in (["ApiKey", "k1"], ["Extra", "x"], ["Shared", "everyone", "--fallback"]):
        assert squall(root, env, "secret", "set", *args, "--stage", stage).returncode == 0
    assert "problem" not in squall(root, env, "diff", "--stage", stage).stdout
    assert squall(root, env, "deploy", "--stage", stage).returncode == 0

    kept = squall(root, env, "remove", "--stage", stage, "--yes", "--keep-secrets")
    assert kept.returncode == 0, kept.stderr
    assert ssm.get_parameter(Name=f"/squall/secretive/{stage}/ApiKey")["Parameter"]["Name"]

    assert squall(root, env, "deploy", "--stage", stage).returncode == 0
    removed = squall(root, env, "remove", "--stage", stage, "--yes")
    assert removed.returncode == 0, removed.stderr
    assert "Removed the stage's secrets: ApiKey, Extra" in removed.stderr
    left = ssm.get_parameters_by_path(Path=f"/squall/secretive/{stage}")["Parameters"]
    assert left == []
    assert ssm.get_parameter(Name="/squall/secretive/.fallback/Shared")["Parameter"]["Name"]
    ssm.delete_parameter(Name="/squall/secretive/.fallback/Shared")
    assert leftovers(clients, f"secretive-{stage}-") == {}
