"""What a pool needs to know about a function, and the environment Lambda gives its code."""

from __future__ import annotations

import os
import secrets
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from squall.runtime.isolation import ISOLATED_FLAGS, LAUNCHER_FLAGS, PATH_VARIABLE

RUNTIME_ID = "python3.12"
EXECUTION_ENV = "AWS_Lambda_python3.12"

# Host variables a local function keeps so tools behave (PATH for subprocesses, HOME for caches, locale).
_HOST_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV", "PYTHONPATH")


@dataclass(frozen=True)
class FunctionSpec:
    """One function as deployed: where its code is, how to call it, and its limits."""

    name: str
    code_dir: Path
    handler: str
    environment: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 3.0
    memory_size: int = 128
    reserved_concurrency: int | None = None
    arn: str = ""
    region: str = "us-east-1"
    python: str = sys.executable
    launcher: tuple[str, ...] = ()
    """Arguments between the interpreter and the worker script, e.g. ``("-m", "debugpy", "--listen", ...)``."""
    log_format: str = "Text"
    """Lambda's ``LoggingConfig.LogFormat``: ``Text`` or ``JSON``."""
    import_path: tuple[str, ...] | None = None
    """Isolated (``isolation.py``): the folders importable after ``code_dir``, and nothing of squall's
    environment. None: the worker sees the interpreter's own site-packages."""
    launcher_path: str = ""
    """The folder the launcher is imported from, for an isolated worker run under one."""

    @property
    def interpreter_flags(self) -> tuple[str, ...]:
        if self.import_path is None:
            return ()
        return LAUNCHER_FLAGS if self.launcher else ISOLATED_FLAGS

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.name}"

    @property
    def invoked_arn(self) -> str:
        return self.arn or f"arn:aws:lambda:{self.region}:000000000000:function:{self.name}"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


def new_log_stream_name(now: float | None = None) -> str:
    """A stream name shaped as Lambda's: ``2024/03/12/[$LATEST]`` and 32 hex digits, one per worker."""
    day = time.strftime("%Y/%m/%d", time.gmtime(time.time() if now is None else now))
    return f"{day}/[$LATEST]{secrets.token_hex(16)}"


def build_environment(
    spec: FunctionSpec,
    *,
    log_stream_name: str,
    endpoint_url: str | None = None,
    credentials: Credentials | None = None,
    host: Mapping[str, str] = os.environ,
) -> dict[str, str]:
    """The worker's environment: a few host variables, the function's own, then those Lambda reserves."""
    env = {k: host[k] for k in _HOST_VARIABLES if k in host}
    env.update(spec.environment)
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": EXECUTION_ENV,
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "LAMBDA_RUNTIME_DIR": str(Path(__file__).parent),
            "_HANDLER": spec.handler,
            "TZ": ":UTC",
        }
    )
    if spec.log_format == "JSON":
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
    if spec.import_path is not None:
        env.pop("VIRTUAL_ENV", None)
        env.pop("PYTHONPATH", None)
        env[PATH_VARIABLE] = os.pathsep.join(spec.import_path)
        if spec.launcher and spec.launcher_path:
            env["PYTHONPATH"] = spec.launcher_path
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    if credentials is not None:
        env["AWS_ACCESS_KEY_ID"] = credentials.access_key_id
        env["AWS_SECRET_ACCESS_KEY"] = credentials.secret_access_key
        if credentials.session_token:
            env["AWS_SESSION_TOKEN"] = credentials.session_token
        else:
            env.pop("AWS_SESSION_TOKEN", None)
    return env
