"""Handing the local cloud's credentials to other tools: ``export`` lines, or an AWS CLI profile.

``squall cloud env`` prints what plain boto3, the AWS CLI and tools such as chalice read from the
environment; ``--profile NAME`` writes the same as a named profile instead (``~/.aws/credentials`` and
``~/.aws/config``, or ``$AWS_SHARED_CREDENTIALS_FILE`` and ``$AWS_CONFIG_FILE``) with the endpoint as the
profile's ``endpoint_url``. Only that profile's section is replaced; the rest of each file is kept as is.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path

from squall.cloud.auth.keys import AccessKey

# variables that would make a tool sign with something else than the exported key pair
_OVERRIDING = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def environment(endpoint: str, key: AccessKey, region: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
        "AWS_DEFAULT_REGION": region,
    }


def export_lines(variables: Mapping[str, str]) -> str:
    lines = [f"export {name}={shlex.quote(value)}" for name, value in variables.items()]
    lines.append(f"unset {' '.join(_OVERRIDING)}")
    return "\n".join(lines) + "\n"


def aws_files(environ: Mapping[str, str] = os.environ) -> tuple[Path, Path]:
    """The AWS shared credentials and config files, as the AWS CLI finds them."""
    aws = Path.home() / ".aws"
    credentials = Path(environ.get("AWS_SHARED_CREDENTIALS_FILE") or aws / "credentials").expanduser()
    config = Path(environ.get("AWS_CONFIG_FILE") or aws / "config").expanduser()
    return credentials, config


def write_profile(
    name: str, endpoint: str, key: AccessKey, region: str, environ: Mapping[str, str] = os.environ
) -> tuple[Path, Path]:
    """Write profile ``name``; the two files written."""
    credentials_file, config_file = aws_files(environ)
    _replace_section(
        credentials_file,
        name,
        [f"aws_access_key_id = {key.access_key_id}", f"aws_secret_access_key = {key.secret_access_key}"],
    )
    section = name if name == "default" else f"profile {name}"
    _replace_section(config_file, section, [f"region = {region}", f"endpoint_url = {endpoint}"])
    return credentials_file, config_file


def _replace_section(path: Path, section: str, body: list[str]) -> None:
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        lines = []
    kept: list[str] = []
    inside = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            inside = stripped[1:-1].strip() == section
        if not inside:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    text = "\n".join([*kept, *([""] if kept else []), f"[{section}]", *body]) + "\n"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.squall-tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    os.replace(temporary, path)
