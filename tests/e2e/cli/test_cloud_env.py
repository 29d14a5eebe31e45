"""``squall cloud env``: plain tools get the local cloud's endpoint and key pair from a shell or a profile."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from squall import cloud
from squall.cloud import CloudInfo

WHO = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'], boto3.client('dynamodb').list_tables()['TableNames'] is not None)"


def test_export_lines_work_in_a_shell(local_cloud: CloudInfo, local_cloud_home: Path) -> None:
    env = {
        **os.environ,
        "SQUALL_HOME": str(local_cloud_home),
        "AWS_SESSION_TOKEN": "left-over-from-aws",
        "AWS_ACCESS_KEY_ID": "AKIAREALAWSKEY000000",
    }
    script = f'eval "$({sys.executable} -m squall.cli cloud env)" && {sys.executable} -c "{WHO}"'
    done = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["arn:aws:iam::123456789012:root", "True"]
    printed = subprocess.run(
        [sys.executable, "-m", "squall.cli", "cloud", "env"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    key = cloud.credentials(local_cloud_home)
    assert f"export AWS_ENDPOINT_URL={local_cloud.endpoint}\n" in printed
    assert f"export AWS_ACCESS_KEY_ID={key.access_key_id}\n" in printed


def test_a_profile_for_the_aws_cli_and_boto3(
    local_cloud: CloudInfo, local_cloud_home: Path, tmp_path: Path
) -> None:
    files = {
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env = {**base, **files, "SQUALL_HOME": str(local_cloud_home)}
    subprocess.run(
        [sys.executable, "-m", "squall.cli", "cloud", "env", "--profile", "squall-e2e"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert stat.S_IMODE((tmp_path / "credentials").stat().st_mode) == 0o600
    used = subprocess.run(
        [sys.executable, "-c", WHO],
        env={**base, **files, "AWS_PROFILE": "squall-e2e"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert used.returncode == 0, used.stderr
    assert used.stdout.split() == ["arn:aws:iam::123456789012:root", "True"]
