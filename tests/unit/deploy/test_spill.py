"""Bound metadata larger than Lambda's 4 KB environment moves into a file in the package."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from squall.deploy.errors import DeployError
from squall.deploy.providers.lambda_function import (
    ENVIRONMENT_LIMIT,
    SPILL_FILE,
    environment_size,
    spill,
    with_file,
)


def metadata(index: int) -> str:
    return json.dumps({"type": "Table", "tableName": f"app-dev-Table{index:03d}", "arn": "x" * 120})


def test_small_environments_stay_as_they_are() -> None:
    variables = {"SQUALL_APP": "app", "SQUALL_RESOURCE_Urls": metadata(1)}
    assert spill("fn", variables) == (variables, None)


def test_large_metadata_moves_to_a_file() -> None:
    variables = {
        "SQUALL_APP": "app",
        "MODE": "x",
        **{f"SQUALL_RESOURCE_T{i}": metadata(i) for i in range(40)},
    }
    assert environment_size(variables) > ENVIRONMENT_LIMIT
    kept, content = spill("fn", variables)
    assert kept == {"SQUALL_APP": "app", "MODE": "x", "SQUALL_RESOURCES_FILE": SPILL_FILE}
    assert content is not None
    assert json.loads(content)["T7"] == json.loads(metadata(7))


def test_an_environment_too_large_on_its_own_is_refused() -> None:
    with pytest.raises(DeployError, match="even without the bound resources' metadata"):
        spill("fn", {"BIG": "x" * 5000})


def test_with_file_is_deterministic_and_keeps_the_package() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "x = 1\n")
    first = with_file(buffer.getvalue(), SPILL_FILE, b"{}")
    assert first == with_file(buffer.getvalue(), SPILL_FILE, b"{}")
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert sorted(archive.namelist()) == ["app.py", SPILL_FILE]
