"""Under ``squall dev`` a live function is held to its role as a deployed one is, and the terminal says why."""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from squall.cloud import CloudInfo
from tests.parity.iam.conftest import PROBE
from tests.parity.iam.test_iam import app, denied_message, put
from tests.squall_process import SquallProcess


def test_a_live_function_without_its_bind_is_denied_and_the_terminal_names_the_bind(
    tmp_path: Path, iam_cloud: CloudInfo, iam_home: Path, root_client: Callable[[str], Any]
) -> None:
    root = tmp_path / "app"
    (root / "functions").mkdir(parents=True)
    (root / "functions" / "__init__.py").write_text("")
    (root / "functions" / "probe.py").write_text(PROBE)
    (root / "squall.config.py").write_text(textwrap.dedent(app(bound=False)).lstrip())
    stage = f"d{uuid.uuid4().hex[:8]}"
    dev = SquallProcess(["dev", "--stage", stage], cwd=root, env={"SQUALL_HOME": str(iam_home)})
    try:
        dev.wait_for(lambda line: line.startswith("Ready."), timeout=120)
        table = f"parity-{stage}-Notes"
        reply = root_client("lambda").invoke(
            FunctionName=f"parity-{stage}-Writer", Payload=json.dumps(put(table)).encode()
        )
        result = json.loads(reply["Payload"].read())
        assert result == {
            "ok": False,
            "code": "AccessDeniedException",
            "status": 400,
            "message": denied_message(
                f"parity-{stage}-Writer",
                f"parity-{stage}-Writer",
                "dynamodb:PutItem",
                f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}",
            ),
        }
        line = dev.wait_for(lambda text: "IAM denied dynamodb:PutItem" in text, timeout=30)
        assert "add bind=[Notes] to function Writer" in line
        assert dev.interrupt() == 0
    finally:
        dev.kill()
