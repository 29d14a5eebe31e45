"""Fixtures for deploying real projects to the session's local cloud."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from squall import cloud
from squall.cloud import CloudInfo
from squall.deploy import Clients, boto3_clients

REPO = Path(__file__).resolve().parents[3]
SHORTENER = REPO / "examples" / "url-shortener"
REGION = "us-east-1"


@pytest.fixture
def clients(local_cloud: CloudInfo) -> Clients:
    return boto3_clients(
        target="local",
        region=REGION,
        endpoint=local_cloud.endpoint,
        credentials=cloud.credentials(local_cloud.home),
    )


@pytest.fixture
def stage() -> str:
    """A stage name no other test uses."""
    return f"t{uuid.uuid4().hex[:8]}"


@pytest.fixture
def shortener(tmp_path: Path) -> Path:
    """A fresh copy of the url-shortener example."""
    root = tmp_path / "url-shortener"
    shutil.copytree(SHORTENER, root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
    return root
