"""``squall synth`` as a user runs it: the CLI as a subprocess, on the url-shortener example."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import EXAMPLES, ProjectFactory

SQUALL = [sys.executable, "-m", "squall.cli"]


def squall(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SQUALL, *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=os.environ
    )


def synth_json(cwd: Path, *args: str) -> dict[str, Any]:
    result = squall("synth", "--json", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    graph: dict[str, Any] = json.loads(result.stdout)
    return graph


def test_url_shortener_graph() -> None:
    graph = synth_json(EXAMPLES / "url-shortener", "--stage", "dev")
    assert (graph["app"], graph["stage"], graph["target"]) == ("url-shortener", "dev", "local")
    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in graph["resources"]:
        by_type.setdefault(resource["type"], []).append(resource)
    functions = by_type["AWS::Lambda::Function"]
    assert len(functions) == 3
    roles = {r["logical_id"] for r in by_type["AWS::IAM::Role"]}
    for function in functions:
        role = function["properties"]["Role"]["Fn::GetAtt"][0]
        assert role in roles and role in function["depends_on"]
        assert "Urls" in function["depends_on"]
    assert {f["metadata"]["handler"] for f in functions} == {
        "functions/shorten.handler",
        "functions/redirect.handler",
        "functions/stats.handler",
    }
    assert [t["physical_name"] for t in by_type["AWS::DynamoDB::Table"]] == ["url-shortener-dev-Urls"]
    assert len(by_type["AWS::ApiGatewayV2::Api"]) == 1
    routes = by_type["AWS::ApiGatewayV2::Route"]
    assert sorted(r["properties"]["RouteKey"] for r in routes) == [
        "GET /stats/{code}",
        "GET /{code}",
        "POST /shorten",
    ]
    integrations = {i["logical_id"]: i for i in by_type["AWS::ApiGatewayV2::Integration"]}
    function_ids = {f["logical_id"] for f in functions}
    for route in routes:
        integration_id = route["properties"]["Target"]["Fn::Join"][1][1]["Ref"]
        integration = integrations[integration_id]
        assert integration["properties"]["PayloadFormatVersion"] == "2.0"
        assert integration["properties"]["IntegrationUri"]["Fn::GetAtt"][0] in function_ids
    assert sorted((b["function"], b["resource"]) for b in graph["bindings"]) == sorted(
        (f, "Urls") for f in function_ids
    )
    assert graph["outputs"] == {"ApiEndpoint": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}}


def test_json_is_stable_across_runs() -> None:
    first = squall("synth", "--json", "--stage", "dev", cwd=EXAMPLES / "url-shortener")
    second = squall("synth", "--json", "--stage", "dev", cwd=EXAMPLES / "url-shortener")
    assert first.stdout == second.stdout


def test_config_is_found_from_a_subfolder_and_personal_stage_is_remembered(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    result = squall("init", str(project), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    graph = synth_json(project / "functions")
    stage_file = project / ".squall" / "stage"
    assert stage_file.read_text().strip() == graph["stage"]
    assert synth_json(project)["stage"] == graph["stage"]


def test_stage_from_environment(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    squall("init", str(project), "--template", "minimal", cwd=tmp_path)
    result = subprocess.run(
        [*SQUALL, "synth", "--json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SQUALL_STAGE": "ci-42"},
    )
    assert json.loads(result.stdout)["stage"] == "ci-42"


def test_user_mistake_exits_1_without_traceback(make_project: ProjectFactory) -> None:
    root = make_project(
        """
        from squall.constructs import Api

        def config(input):
            return {"name": "demo"}

        def stacks(app):
            app.stack(lambda stack: Api(stack, "Api", routes={"GET /": "functions/nope.handler"}))
        """
    )
    result = squall("synth", cwd=root)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{root / 'squall.config.py'}:7" in result.stderr
    assert "functions/nope.py not found" in result.stderr


def test_no_project_found(tmp_path: Path) -> None:
    result = squall("synth", cwd=tmp_path)
    assert result.returncode == 1
    assert "no squall.config.py" in result.stderr and "squall init" in result.stderr


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file.txt").write_text("mine")
    result = squall("init", str(tmp_path / "taken"), cwd=tmp_path)
    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert (tmp_path / "taken" / "file.txt").read_text() == "mine"


def test_help_lists_the_commands() -> None:
    result = squall("--help", cwd=EXAMPLES)
    assert result.returncode == 0
    for command in ("init", "synth", "cloud"):
        assert command in result.stdout
