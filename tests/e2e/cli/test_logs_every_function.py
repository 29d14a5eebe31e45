"""``squall logs -f`` without a function follows every function of the stage, interleaved in time order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from squall.cloud import CloudInfo
from tests.squall_process import SquallProcess

CONFIG = """
from squall.constructs import Function


def config(input):
    return {"name": "logsall", "region": "us-east-1"}


def stacks(app):
    app.stack(main)


def main(stack):
    Function(stack, "Alpha", handler="functions/say.handler")
    Function(stack, "Beta", handler="functions/say.handler")
"""

SAY = """
def handler(event, context):
    print("said", event["word"], "by", context.function_name.rsplit("-", 1)[-1])
    return "ok"
"""


def test_follow_shows_two_functions_lines_interleaved(
    tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
) -> None:
    root = tmp_path / "app"
    (root / "functions").mkdir(parents=True)
    (root / "squall.config.py").write_text(textwrap.dedent(CONFIG).lstrip())
    (root / "functions" / "say.py").write_text(textwrap.dedent(SAY).lstrip())
    stage = unique_name("all")
    env = {**os.environ, "SQUALL_HOME": str(local_cloud_home)}

    def squall(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "squall.cli", *args, "--stage", stage],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            input=stdin,
        )

    deployed = squall("deploy")
    assert deployed.returncode == 0, deployed.stderr
    follow = SquallProcess(
        ["logs", "-f", "--stage", stage], cwd=root, env={"SQUALL_HOME": str(local_cloud_home)}
    )
    try:
        words = [("Alpha", "one"), ("Beta", "two"), ("Alpha", "three"), ("Beta", "four")]
        for function, word in words:
            invoked = squall("invoke", function, "--event", "-", stdin=json.dumps({"word": word}))
            assert invoked.returncode == 0, invoked.stderr
        follow.wait_for(lambda line: "said four " in line, timeout=30)
        assert follow.interrupt() == 0
    finally:
        follow.kill()
    said = [line for line in follow.lines if " said " in line]
    assert [line.split(" said ", 1)[1].split()[0] for line in said] == [w for _, w in words]
    for line, (function, _) in zip(said, words, strict=True):
        assert f"  {function.ljust(5)} │ " in line, line
    assert any("Alpha │ START RequestId" in line for line in follow.lines)

    # Without --follow, the same lines in the same order.
    printed = squall("logs")
    assert printed.returncode == 0, printed.stderr
    order = [
        line.split(" said ", 1)[1].split()[0] for line in printed.stdout.splitlines() if " said " in line
    ]
    assert order == [w for _, w in words]
