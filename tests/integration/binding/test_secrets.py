"""Secrets in the local cloud's SSM: per stage, with a fallback for every stage; through the CLI too."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from squall.binding.secrets import SecretNotSet, Secrets
from squall.cloud import CloudInfo
from tests.integration.conftest import ClientFactory


def test_set_get_list_remove(aws_client: ClientFactory, unique_name: Callable[[str], str]) -> None:
    app = unique_name("app")
    dev, prod = Secrets(aws_client("ssm"), app, "dev"), Secrets(aws_client("ssm"), app, "prod")
    parameter = dev.set("ApiKey", "dev-key")
    assert parameter == f"/squall/{app}/dev/ApiKey"
    described = aws_client("ssm").describe_parameters(
        ParameterFilters=[{"Key": "Name", "Values": [parameter]}]
    )["Parameters"]
    assert [p["Type"] for p in described] == ["SecureString"]
    dev.set("ApiKey", "shared-key", fallback=True)
    assert dev.get("ApiKey").value == "dev-key" and dev.get("ApiKey").source == "stage"
    assert prod.get("ApiKey").value == "shared-key" and prod.get("ApiKey").source == "fallback"
    assert dev.sources() == {"ApiKey": "stage"}
    assert prod.sources() == {"ApiKey": "fallback"}
    assert prod.missing(["ApiKey", "Other"]) == ["Other"]
    dev.remove("ApiKey")
    assert dev.get("ApiKey").value == "shared-key"
    dev.remove("ApiKey", fallback=True)
    with pytest.raises(SecretNotSet, match="squall secret set ApiKey VALUE --stage prod"):
        prod.get("ApiKey")


def test_cli_round_trip(cloud_env: CloudInfo, tmp_path: Path) -> None:
    project = tmp_path / "vault"
    project.mkdir()
    (project / "squall.config.py").write_text(
        "from squall.constructs import Secret\n\n"
        "def config(input):\n    return {'name': 'vault'}\n\n"
        "def stacks(app):\n    app.stack(lambda stack: Secret(stack, 'Token'))\n"
    )

    def squall(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "squall.cli", "secret", *args, "--stage", "qa"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=60,
            env=os.environ,
        )

    assert squall("list").stdout.strip() == "Token\tNOT SET"
    assert squall("set", "Token", "s3cr3t").returncode == 0
    assert squall("get", "Token").stdout.strip() == "s3cr3t"
    assert squall("list").stdout.strip() == "Token\tstage"
    assert squall("remove", "Token").returncode == 0
    missing = squall("get", "Token")
    assert missing.returncode == 1 and "squall secret set Token VALUE --stage qa" in missing.stderr
