"""``kill -9`` of ``squall dev`` leaves nothing behind: not its workers, not what their handlers started.

Dev mode forks workers from a template process; each worker leads its own process group and kills it when
its parent goes, and the template does the same, so the chain unwinds without the dev session's help.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

from squall.cloud import CloudInfo
from tests.e2e.dev.test_dev import request, start_dev
from tests.integration.runtime.test_containment import became_sleep, gone_within
from tests.squall_process import descendants

CONFIG = """
from squall import App, Stack
from squall.constructs import Api


def config(input):
    return {"name": "forks", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(main)


def main(stack: Stack) -> None:
    api = Api(stack, "Api", routes={"GET /fork": "functions/fork.handler"})
    stack.add_outputs({"ApiEndpoint": api.url})
"""

FORK = """
import json, os, subprocess


def handler(event, context):
    child = subprocess.Popen(["sleep", "600"])
    return {"statusCode": 200, "body": json.dumps({"sleep": child.pid, "worker": os.getpid()})}
"""


def test_kill_9_of_squall_dev_leaves_no_process(
    tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
) -> None:
    root = tmp_path / "forks"
    (root / "functions").mkdir(parents=True)
    (root / "squall.config.py").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    (root / "functions" / "fork.py").write_text(textwrap.dedent(FORK), encoding="utf-8")
    dev, url = start_dev(root, local_cloud_home, unique_name("forks"), "--no-console")
    try:
        status, _, body = request(f"{url}/fork")
        assert status == 200, body
        answer = json.loads(body)
        became_sleep(int(answer["sleep"]))
        below = descendants(dev.process.pid) | {int(answer["sleep"])}
        assert int(answer["worker"]) in below
    finally:
        dev.kill()  # SIGKILL: nothing of squall dev's own shutdown runs
    for pid in below:
        gone_within(pid)
