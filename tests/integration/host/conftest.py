"""Fixtures for the function host: deploy handlers and HTTP APIs to the session's local cloud.

- ``deploy``: ``deploy({"app.py": SOURCE}, timeout=1, environment={...})`` zips the files, creates the
  function with boto3 (IAM CreateRole once per session, Lambda CreateFunction) and returns its name.
- ``make_api``: ``make_api({"GET /items/{id}": fn_name, ...}, cors={...})`` creates an HTTP API with one
  AWS_PROXY payload 2.0 integration per function and the ``$default`` stage; returns an ``Api``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import ClientFactory
from tests.integration.host.support import zip_files
from tests.integration.roles import grant

ASSUME_ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@pytest.fixture(scope="session")
def lambda_role(aws_client: ClientFactory) -> str:
    iam = aws_client("iam")
    role = iam.create_role(RoleName="squall-host-tests", AssumeRolePolicyDocument=ASSUME_ROLE_POLICY)
    grant(iam, "squall-host-tests")
    return str(role["Role"]["Arn"])


Deploy = Callable[..., str]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def deploy(aws_client: ClientFactory, lambda_role: str) -> Deploy:
    """``deploy(files, handler="app.handler", timeout=3, memory=128, environment=None, concurrency=None,
    runtime="python3.12", vendored=())``; ``vendored`` names modules whose installed packages go into the zip."""
    lam = aws_client("lambda")

    def make(
        files: Mapping[str, str] | str,
        *,
        handler: str = "app.handler",
        timeout: int = 3,
        memory: int = 128,
        environment: Mapping[str, str] | None = None,
        concurrency: int | None = None,
        prefix: str = "fn",
        runtime: str = "python3.12",
        vendored: tuple[str, ...] = (),
    ) -> str:
        if isinstance(files, str):
            files = {"app.py": files}
        name = unique(prefix)
        lam.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=lambda_role,
            Handler=handler,
            Code={"ZipFile": zip_files(files, vendored)},
            Timeout=timeout,
            MemorySize=memory,
            Environment={"Variables": dict(environment or {})},
        )
        if concurrency is not None:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=concurrency)
        return name

    return make


@dataclass(frozen=True)
class Api:
    api_id: str
    endpoint: str

    @property
    def port(self) -> int:
        port = urlsplit(self.endpoint).port
        assert port is not None
        return port


MakeApi = Callable[..., Api]


@pytest.fixture(scope="session")
def make_api(aws_client: ClientFactory) -> MakeApi:
    """``make_api({route_key: function_name}, cors=None)``: an HTTP API with its ``$default`` stage."""
    apigw = aws_client("apigatewayv2")
    lam = aws_client("lambda")

    def make(routes: Mapping[str, str], *, cors: Mapping[str, Any] | None = None) -> Api:
        extra = {"CorsConfiguration": dict(cors)} if cors else {}
        api = apigw.create_api(Name=unique("api"), ProtocolType="HTTP", **extra)
        integrations: dict[str, str] = {}
        for route_key, function in routes.items():
            if function not in integrations:
                arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
                integration = apigw.create_integration(
                    ApiId=api["ApiId"],
                    IntegrationType="AWS_PROXY",
                    IntegrationUri=arn,
                    PayloadFormatVersion="2.0",
                )
                integrations[function] = integration["IntegrationId"]
            apigw.create_route(
                ApiId=api["ApiId"], RouteKey=route_key, Target=f"integrations/{integrations[function]}"
            )
        apigw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
        return Api(api["ApiId"], api["ApiEndpoint"])

    return make
