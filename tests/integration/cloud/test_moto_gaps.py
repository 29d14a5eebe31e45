"""What moto lacks: UpdateStage is filled in; an operation it does not implement is a plain 501, not retried."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import ClientFactory


def test_update_stage(aws_client: ClientFactory, unique_name: Callable[[str], str]) -> None:
    client = aws_client("apigatewayv2")
    api = client.create_api(Name=unique_name("stage"), ProtocolType="HTTP")["ApiId"]
    client.create_stage(ApiId=api, StageName="$default", AutoDeploy=False, StageVariables={"a": "1"})
    updated = client.update_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    assert updated["StageName"] == "$default" and updated["AutoDeploy"] is True
    stage = client.get_stage(ApiId=api, StageName="$default")
    assert stage["AutoDeploy"] is True and stage["StageVariables"] == {"a": "1"}
    with pytest.raises(ClientError) as missing:
        client.update_stage(ApiId=api, StageName="nope", AutoDeploy=True)
    assert missing.value.response["Error"]["Code"] == "NotFoundException"


def test_unimplemented_operations_answer_501_at_once(aws_client: ClientFactory) -> None:
    client = aws_client("dynamodb")
    with pytest.raises(ClientError) as raised:
        client.list_contributor_insights()
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error["Error"]["Code"] == "NotImplementedException"
    assert error["ResponseMetadata"]["RetryAttempts"] == 0
