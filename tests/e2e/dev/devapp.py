"""A small two-route app for ``squall dev`` end-to-end tests, and driving ``squall dev`` over it."""

from __future__ import annotations

import http.client
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

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
