"""Fixtures for tests that talk to a real local cloud over HTTP.

- ``local_cloud``: one daemon per test session (so one per ``pytest -n`` worker), on a free port,
  with its own temporary ``SQUALL_HOME``; yields its ``CloudInfo`` and stops it at the end.
- ``boto3_session``: a boto3 session in us-east-1 signing with ``local_cloud``'s credentials (the key
  pair the local cloud issues for its home: ``squall.cloud.credentials(home)``).
- ``aws_client``: ``aws_client("dynamodb")`` returns a boto3 client pointed at ``local_cloud``.
- ``cloud_env``: sets ``AWS_ENDPOINT_URL``, the cloud's credentials, the region and ``SQUALL_HOME`` for
  one test, for code (or subprocesses) that builds its own clients.

For a private daemon on another home, ``session_for(home)`` and ``clients_for(home, endpoint)`` give the
same for that home. Never hard-code credentials: the local cloud refuses any it did not issue.

Tests share the session's daemon: name resources uniquely (``unique_name``) rather than assuming
an empty cloud.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest

from squall import cloud
from squall.cloud import CloudInfo

REGION = "us-east-1"

ClientFactory = Callable[[str], Any]


@pytest.fixture(scope="session")
def local_cloud_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``SQUALL_HOME`` of the session's local cloud."""
    return tmp_path_factory.mktemp("squall-home")


@pytest.fixture(scope="session")
def local_cloud(local_cloud_home: Path) -> Iterator[CloudInfo]:
    """A running local cloud on a free port, stopped after the session."""
    info = cloud.start(local_cloud_home, port=0)
    assert info is not None
    try:
        yield info
    finally:
        cloud.stop(local_cloud_home)


def session_for(home: Path) -> boto3.Session:
    """A boto3 session signing with the credentials of the local cloud of ``home``."""
    key = cloud.credentials(home)
    return boto3.Session(
        region_name=REGION, aws_access_key_id=key.access_key_id, aws_secret_access_key=key.secret_access_key
    )


def clients_for(home: Path, endpoint: str) -> ClientFactory:
    """boto3 clients for the local cloud of ``home`` at ``endpoint``."""
    return client_factory(session_for(home), endpoint)


@pytest.fixture(scope="session")
def boto3_session(local_cloud_home: Path) -> boto3.Session:
    return session_for(local_cloud_home)


def client_factory(session: boto3.Session, endpoint: str) -> ClientFactory:
    """boto3 clients for ``endpoint``: path-style S3, a few quick retries."""
    config = botocore.config.Config(
        s3={"addressing_style": "path"},
        retries={"max_attempts": 2, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
    )

    def make(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint, config=config)  # type: ignore[call-overload]

    return make


@pytest.fixture(scope="session")
def aws_client(boto3_session: boto3.Session, local_cloud: CloudInfo) -> ClientFactory:
    return client_factory(boto3_session, local_cloud.endpoint)


@pytest.fixture
def cloud_env(monkeypatch: pytest.MonkeyPatch, local_cloud: CloudInfo, local_cloud_home: Path) -> CloudInfo:
    key = cloud.credentials(local_cloud_home)
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_cloud.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key.secret_access_key)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("SQUALL_HOME", str(local_cloud_home))
    return local_cloud


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """``unique_name("orders")`` → ``orders-1a2b3c4d``: safe names in the shared daemon."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:8]}"
