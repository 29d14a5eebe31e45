"""A function bound to many resources: its metadata spills into the package, and Resource still reads it."""

from __future__ import annotations

import json
from pathlib import Path

from squall.deploy import Clients, deploy, diff
from tests.integration.deploy.helpers import load

TABLES = 40

CONFIG = f"""
from squall.constructs import Function, Table


def config(input):
    return {{"name": "wide"}}


def stacks(app):
    app.stack(main)


def main(stack):
    tables = [
        Table(stack, f"Table{{i:03d}}", fields={{"id": "string"}}, primary_index={{"partition_key": "id"}})
        for i in range({TABLES})
    ]
    Function(stack, "Reader", handler="functions/reader.handler", bind=tables)
"""

READER = """
import os
from squall import Resource


def handler(event, context):
    return {"last": Resource.Table039.table_name, "file": os.environ.get("SQUALL_RESOURCES_FILE")}
"""


def test_wide_binding_spills_and_converges(tmp_path: Path, stage: str, clients: Clients) -> None:
    root = tmp_path / "wide"
    (root / "functions").mkdir(parents=True)
    (root / "squall.config.py").write_text(CONFIG)
    (root / "functions" / "__init__.py").write_text("")
    (root / "functions" / "reader.py").write_text(READER)
    project = load(root, stage)
    deploy(project, clients=clients)
    name = f"wide-{stage}-Reader"
    variables = clients("lambda").get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    assert variables["SQUALL_RESOURCES_FILE"] == "squall_resources.json"
    assert not [key for key in variables if key.startswith("SQUALL_RESOURCE_")]
    response = clients("lambda").invoke(FunctionName=name, Payload=b"{}")
    assert json.loads(response["Payload"].read()) == {
        "last": f"wide-{stage}-Table039",
        "file": "squall_resources.json",
    }
    assert diff(load(root, stage), clients=clients).is_empty
