"""cfn-lint on the examples' synthesized graphs: every service-principal permission has the confused-deputy
guard AWS recommends (``SourceAccount`` with ``SourceArn``; cfn-lint's W3663 flags a missing one).

``squall synth --json`` prints squall's graph, not a CloudFormation template; its resources are already in
CloudFormation's spelling (types, properties, intrinsics), so the template is the resources as they are
(their order follows from the intrinsics).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint

from tests.conftest import EXAMPLES
from tests.e2e.cli.test_synth import synth_json

SERVICE_PRINCIPAL = ".amazonaws.com"


def template(graph: dict[str, Any]) -> str:
    resources = {
        r["logical_id"]: {"Type": r["type"], "Properties": r["properties"]} for r in graph["resources"]
    }
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})


@pytest.mark.parametrize("example", ["url-shortener", "jobs", "auth"])
def test_no_service_permission_lacks_its_source_account(example: str, tmp_path: Path) -> None:
    root = tmp_path / example
    shutil.copytree(EXAMPLES / example, root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
    graph = synth_json(root, "--stage", "lint")
    permissions = [r for r in graph["resources"] if r["type"] == "AWS::Lambda::Permission"]
    assert permissions, "the example has permissions to check"
    for permission in permissions:
        properties = permission["properties"]
        if properties["Principal"].endswith(SERVICE_PRINCIPAL):
            assert properties.get("SourceAccount") == {"Ref": "AWS::AccountId"}, permission["logical_id"]
            assert properties.get("SourceArn"), permission["logical_id"]

    matches = lint(template(graph), regions=[graph["region"]])
    source_account = [m for m in matches if m.rule.id == "W3663"]
    assert source_account == [], "\n".join(str(m) for m in source_account)
