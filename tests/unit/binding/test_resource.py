"""The function side of binding: ``Resource`` reads what the deployer injects."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from squall.binding.resource import ResourceNamespace, UnboundResourceError


def test_reads_injected_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "SQUALL_RESOURCE_Urls", json.dumps({"type": "Table", "tableName": "app-dev-Urls", "arn": "arn:x"})
    )
    monkeypatch.setenv(
        "SQUALL_RESOURCE_Jobs", json.dumps({"type": "Queue", "queueUrl": "http://q", "queueName": "jobs"})
    )
    monkeypatch.setenv("SQUALL_APP", "app")
    monkeypatch.setenv("SQUALL_STAGE", "dev")
    resource = ResourceNamespace()
    assert resource.Urls.table_name == "app-dev-Urls"
    assert resource.Urls.arn == "arn:x"
    assert resource.Jobs.queue_url == "http://q"
    assert (resource.App.name, resource.App.stage) == ("app", "dev")
    assert sorted(dir(resource)) == ["App", "Jobs", "Urls"]


def test_unknown_attribute_lists_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQUALL_RESOURCE_Urls", json.dumps({"type": "Table", "tableName": "t", "arn": "a"}))
    with pytest.raises(
        AttributeError, match=r"Table 'Urls' has no attribute 'bucket_name' \(it has: arn, table_name\)"
    ):
        _ = ResourceNamespace().Urls.bucket_name


def test_unbound_resource_says_which_function_and_how_to_bind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "app-dev-ApiGetCode")
    monkeypatch.setenv("SQUALL_RESOURCE_Urls", "{}")
    with pytest.raises(UnboundResourceError) as raised:
        _ = ResourceNamespace().Orders
    message = str(raised.value)
    assert "Resource.Orders is not bound to app-dev-ApiGetCode" in message
    assert "bound: Urls" in message and "bind([orders])" in message


def test_importing_resource_stays_stdlib_only() -> None:
    code = (
        "import sys; from squall import Resource; "
        "heavy = sorted(m for m in ('boto3', 'click', 'rich', 'squall.app', 'squall.constructs') if m in sys.modules); "
        "print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_typed_clients_load_boto3_only_when_they_call_aws() -> None:
    code = (
        "import os, sys, json; "
        "os.environ['SQUALL_RESOURCE_Notes'] = json.dumps({'type': 'Table', 'tableName': 't', 'arn': 'a', 'key': ['id']}); "
        "from squall import Resource; notes = Resource.Notes; "
        "print(type(notes).__name__, notes.table_name, notes.key_names, 'boto3' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["TableClient", "t", "['id']", "False"]


def test_a_table_refuses_a_key_that_is_not_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "SQUALL_RESOURCE_Notes",
        json.dumps({"type": "Table", "tableName": "t", "arn": "a", "key": ["userId", "noteId"]}),
    )
    with pytest.raises(TypeError, match=r"Table 'Notes' get: the key is userId, noteId, got noteid, userId"):
        ResourceNamespace().Notes.get(userId="u1", noteid="n1")
    with pytest.raises(ValueError, match=r"Table 'Notes' has no index 'ByDate' \(indexes: none\)"):
        ResourceNamespace().Notes.query("u1", index="ByDate")
