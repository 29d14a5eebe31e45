"""Fixtures for tests that attack a real local cloud: the integration tier's daemon and credentials."""

from __future__ import annotations

import boto3
import pytest

import tests.integration.conftest as integration
from squall.cloud import CloudInfo
from tests.signed_http import SignedClient

# the integration tier's fixtures: a local cloud per session, its home, and clients for it
local_cloud_home = integration.local_cloud_home
local_cloud = integration.local_cloud
boto3_session = integration.boto3_session
aws_client = integration.aws_client
unique_name = integration.unique_name


@pytest.fixture(scope="session")
def signed(local_cloud: CloudInfo, boto3_session: boto3.Session) -> SignedClient:
    """Raw requests to the session's local cloud, signed with the session's credentials."""
    return SignedClient(local_cloud, boto3_session)
