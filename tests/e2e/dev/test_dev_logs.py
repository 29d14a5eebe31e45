"""Handler output in the ``squall dev`` terminal: under its invocation's line, hidden with ``--no-logs``."""

from __future__ import annotations

import http.client
import textwrap
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from squall.cloud import CloudInfo
from tests.squall_process import SquallProcess

CONFIG = """
from squall.constructs import Api


def config(input):
    return {"name": "devlogs", "region": "us-east-1"}


def stacks(app):
    app.stack(main)


def main(stack):
    api = Api(stack, "Api", routes={
        "GET /hello": "functions/hello.handler",
        "GET /quiet": "functions/quiet.handler",
    })
    stack.add_outputs({"ApiEndpoint": api.url})
"""

HELLO = """
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    print("hello from print", event["rawQueryString"])
    logger.info("hello from logging")
    return {"statusCode": 200, "body": "hi"}
"""

QUIET = """
def handler(event, context):
    return {"statusCode": 204}
"""


def make_app(root: Path) -> Path:
    (root / "functions").mkdir(parents=True)
    (root / "squall.config.py").write_text(textwrap.dedent(CONFIG).lstrip())
    (root / "functions" / "__init__.py").write_text("")
    (root / "functions" / "hello.py").write_text(textwrap.dedent(HELLO).lstrip())
    (root / "functions" / "quiet.py").write_text(textwrap.dedent(QUIET).lstrip())
    return root


def get(url: str) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
    status = connection.getresponse().status
    connection.close()
    return status


def start_dev(root: Path, home: Path, stage: str, *extra: str) -> tuple[SquallProcess, str]:
    dev = SquallProcess(
        ["dev", "--stage", stage, "--no-console", *extra], cwd=root, env={"SQUALL_HOME": str(home)}
    )
    line = dev.wait_for(lambda text: "ApiEndpoint:" in text, timeout=90)
    dev.wait_for(lambda text: text.startswith("Ready."), timeout=30)
    return dev, line.split("ApiEndpoint:", 1)[1].strip()


def test_a_handlers_print_appears_under_its_invocation(
    tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
) -> None:
    root = make_app(tmp_path / "app")
    dev, url = start_dev(root, local_cloud_home, unique_name("logs"))
    try:
        assert get(f"{url}/hello?first") == 200
        assert get(f"{url}/quiet") == 204
        dev.wait_for(lambda line: "ApiGetQuiet" in line)
        lines = dev.output.splitlines()
        at = next(i for i, line in enumerate(lines) if "ApiGetHello" in line and "GET /hello" in line)
        assert lines[at + 1].strip() == "hello from print first", lines[at:]
        assert lines[at + 2].strip().startswith("[INFO]") and lines[at + 2].endswith("hello from logging")
        assert "ApiGetQuiet" in lines[at + 3]  # the lines of one invocation are under it, and only them
        assert "START RequestId" not in dev.output and "REPORT RequestId" not in dev.output
        assert dev.interrupt() == 0
    finally:
        dev.kill()


def test_no_logs_hides_the_handlers_output(
    tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
) -> None:
    root = make_app(tmp_path / "app")
    dev, url = start_dev(root, local_cloud_home, unique_name("nologs"), "--no-logs")
    try:
        assert get(f"{url}/hello?second") == 200
        assert get(f"{url}/quiet") == 204
        dev.wait_for(lambda line: "ApiGetQuiet" in line)
        assert "ApiGetHello" in dev.output and "hello from print" not in dev.output
        assert dev.interrupt() == 0
    finally:
        dev.kill()
