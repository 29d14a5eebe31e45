"""End-to-end tests share the integration tier's real local cloud (one per xdist worker)."""

from tests.integration.conftest import (  # noqa: F401 - fixtures, registered by being imported here
    aws_client,
    boto3_session,
    cloud_env,
    local_cloud,
    local_cloud_home,
    unique_name,
)
