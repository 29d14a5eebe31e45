"""``squall dev`` end to end: the CLI as a subprocess over the url-shortener example and a real local cloud."""

from __future__ import annotations

import http.client
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from squall.cloud import CloudInfo
from tests.conftest import EXAMPLES
from tests.integration.conftest import session_for
from tests.polling import eventually
from tests.squall_process import SquallProcess, alive, descendants

Response = tuple[int, dict[str, str], bytes]


def request(url: str, method: str = "GET", body: Any = None) -> Response:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    payload = json.dumps(body).encode() if body is not None else None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection.request(method, target, payload, {"content-type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "url-shortener"
    shutil.copytree(EXAMPLES / "url-shortener", root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
    return root


def start_dev(root: Path, home: Path, stage: str, *extra: str) -> tuple[SquallProcess, str]:
    dev = SquallProcess(["dev", "--stage", stage, *extra], cwd=root, env={"SQUALL_HOME": str(home)})
    line = dev.wait_for(lambda text: "ApiEndpoint:" in text, timeout=90)
    dev.wait_for(lambda text: text.startswith("Ready."), timeout=30)
    return dev, line.split("ApiEndpoint:", 1)[1].strip()


def console_url(dev: SquallProcess) -> str:
    return dev.wait_for(lambda text: "Console:" in text).split("Console:", 1)[1].strip()


def test_dev_serves_reloads_recovers_and_stops_cleanly(
    project: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
) -> None:
    dev, url = start_dev(project, local_cloud_home, unique_name("dev"))
    try:
        console = console_url(dev)
        assert "token=" in console and request(console)[0] == 200
        assert request(console.split("?", 1)[0])[0] == 401
        status, _, body = request(f"{url}/shorten", "POST", {"url": "https://example.com/a/long/path"})
        assert status == 201, body
        code = json.loads(body)["shortCode"]
        status, headers, _ = request(f"{url}/{code}")
        assert (status, headers["location"]) == (302, "https://example.com/a/long/path")
        status, _, body = request(f"{url}/stats/{code}")
        assert status == 200 and json.loads(body)["clicks"] == 1
        dev.wait_for(lambda line: "ApiGetStatsCode" in line and "200" in line)

        # Edit a handler's response: the next request shows it.
        shorten = project / "functions" / "shorten.py"
        shorten.write_text(
            shorten.read_text().replace('{"shortCode": code,', '{"edited": True, "shortCode": code,')
        )
        dev.wait_for(lambda line: "reloaded ApiPostShorten" in line)
        status, _, body = request(f"{url}/shorten", "POST", {"url": "https://example.com/b"})
        assert status == 201 and json.loads(body)["edited"] is True

        # Break a handler: the error is shown with file and line, requests fail as on Lambda; a fix recovers.
        stats = project / "functions" / "stats.py"
        good = stats.read_text()
        stats.write_text(good.replace("def handler(", "def handler(:"))
        problem = dev.wait_for(lambda line: "SyntaxError" in line)
        assert "functions/stats.py:" in problem
        status, _, body = request(f"{url}/stats/{code}")
        assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
        dev.wait_for(lambda line: "Runtime.UserCodeSyntaxError" in line)
        dev.wait_for(lambda line: "new issue" in line and "Runtime.UserCodeSyntaxError" in line)
        stats.write_text(good)
        eventually(lambda: request(f"{url}/stats/{code}")[0] == 200)

        # Add a route in squall.config.py: it is deployed and served.
        (project / "functions" / "health.py").write_text(
            "def handler(event, context):\n    return {'ok': True}\n"
        )
        config = project / "squall.config.py"
        config.write_text(
            config.read_text().replace(
                '"GET /stats/{code}": "functions/stats.handler",',
                '"GET /stats/{code}": "functions/stats.handler",\n            "GET /health/check": "functions/health.handler",',
            )
        )
        dev.wait_for(lambda line: "squall.config.py applied" in line, timeout=60)
        status, _, body = request(f"{url}/health/check")
        assert status == 200 and json.loads(body) == {"ok": True}
        dev.wait_for(lambda line: "ApiGetHealthCheck" in line)
        base, token = console.split("?", 1)
        status, _, body = request(f"{base.rstrip('/')}/api/functions?{token}")
        assert status == 200 and "ApiGetHealthCheck" in body.decode()  # the console follows the config

        started = descendants(dev.process.pid)
        assert started, "dev runs its functions in worker processes"
        assert dev.interrupt() == 0
        eventually(lambda: not [pid for pid in started if alive(pid)], timeout=15)
        assert "Stopped. The stage stays deployed." in dev.output
    finally:
        dev.kill()

    # After dev, the deployed code (brought up to date on exit) still serves.
    status, _, body = request(f"{url}/shorten", "POST", {"url": "https://example.com/c"})
    assert status == 201 and json.loads(body)["edited"] is True


ISOLATION_CONFIG = """
from squall.constructs import Function


def config(input):
    return {"name": "isolation"}


def stacks(app):
    app.stack(main)


def main(stack):
    Function(stack, "Alpha", handler="functions/alpha.handler")
    Function(stack, "Beta", handler="functions/beta.handler")
"""

HANDLER = """
import os
from functions import {shared}


def handler(event, context):
    return {{"pid": os.getpid(), "version": {shared}.VERSION}}
"""


def test_editing_one_function_leaves_the_others_workers_warm(
    tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
) -> None:
    root = tmp_path / "isolation"
    (root / "functions").mkdir(parents=True)
    (root / "squall.config.py").write_text(ISOLATION_CONFIG)
    (root / "functions" / "__init__.py").write_text("")
    (root / "functions" / "alpha_lib.py").write_text("VERSION = 1\n")
    (root / "functions" / "beta_lib.py").write_text("VERSION = 1\n")
    (root / "functions" / "alpha.py").write_text(HANDLER.format(shared="alpha_lib"))
    (root / "functions" / "beta.py").write_text(HANDLER.format(shared="beta_lib"))
    stage = unique_name("iso")
    dev = SquallProcess(["dev", "--stage", stage], cwd=root, env={"SQUALL_HOME": str(local_cloud_home)})
    client = session_for(local_cloud_home).client("lambda", endpoint_url=local_cloud.endpoint)

    def invoke(function: str) -> dict[str, Any]:
        response = client.invoke(FunctionName=f"isolation-{stage}-{function}", Payload=b"{}")
        result: dict[str, Any] = json.loads(response["Payload"].read())
        return result

    try:
        dev.wait_for(lambda line: line.startswith("Ready."), timeout=90)
        alpha, beta = invoke("Alpha"), invoke("Beta")
        (root / "functions" / "alpha_lib.py").write_text("VERSION = 2\n")
        dev.wait_for(lambda line: "reloaded Alpha" in line)
        assert "Beta" not in dev.output.split("reloaded Alpha", 1)[1].splitlines()[0]
        alpha_after, beta_after = invoke("Alpha"), invoke("Beta")
        assert alpha_after["version"] == 2 and alpha_after["pid"] != alpha["pid"]
        assert beta_after == beta  # same worker, same code: untouched by Alpha's edit
        assert dev.interrupt() == 0
    finally:
        dev.kill()


def test_dev_runs_a_function_whose_metadata_spilled_into_its_package(
    tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
) -> None:
    from tests.integration.deploy.test_env_spill import CONFIG, READER

    root = tmp_path / "wide"
    (root / "functions").mkdir(parents=True)
    (root / "squall.config.py").write_text(CONFIG)
    (root / "functions" / "__init__.py").write_text("")
    (root / "functions" / "reader.py").write_text(READER)
    stage = unique_name("wide")
    dev = SquallProcess(
        ["dev", "--stage", stage, "--no-console"], cwd=root, env={"SQUALL_HOME": str(local_cloud_home)}
    )
    client = session_for(local_cloud_home).client("lambda", endpoint_url=local_cloud.endpoint)
    try:
        dev.wait_for(lambda line: line.startswith("Ready."), timeout=120)
        response = client.invoke(FunctionName=f"wide-{stage}-Reader", Payload=b"{}")
        result = json.loads(response["Payload"].read())
        assert result["last"] == f"wide-{stage}-Table039"
        assert result["file"].endswith(".squall/dev/Reader.resources.json")  # the dev worker, not the package
        dev.wait_for(lambda line: "Reader" in line and "invoke" in line)
        assert dev.interrupt() == 0
    finally:
        dev.kill()
