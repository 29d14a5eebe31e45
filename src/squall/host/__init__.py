"""Running what is deployed to the local cloud: Lambda functions and HTTP APIs.

moto stores functions and APIs but runs neither without Docker. This package is a local-cloud plugin
(``setup``) that does:

- ``functions``: Lambda ``Invoke`` (RequestResponse, Event, DryRun) on warm worker pools built from each
  function's uploaded code, with its configuration, role credentials and ``AWS_ENDPOINT_URL`` set;
- ``logs``: every invocation's output, with START/END/REPORT lines, shipped to CloudWatch Logs;
- ``http_api``: each HTTP API served on its own port of 127.0.0.1, kept across restarts, as API Gateway's
  payload format 2.0 data plane.
"""

from __future__ import annotations

from squall.cloud.plugins import Registry


def setup(registry: Registry) -> None:
    from squall.host.functions import FunctionHost
    from squall.host.http_api import ApiEndpointClaims, HttpApiService
    from squall.host.invoke_api import InvokeHandler
    from squall.host.live import PATH_PREFIX
    from squall.host.logging_config import LoggingConfigs

    logging_configs = LoggingConfigs()
    host = FunctionHost(logging_configs)
    apis = HttpApiService(host)
    claims = ApiEndpointClaims(apis)
    registry.claim("awslambda", "Invoke", InvokeHandler(host))
    registry.claim_path(PATH_PREFIX, host.live.handle)
    for operation in ("CreateFunction", "UpdateFunctionConfiguration"):
        registry.claim("awslambda", operation, logging_configs.write)
    registry.claim("awslambda", "GetFunctionConfiguration", logging_configs.read_configuration)
    registry.claim("awslambda", "GetFunction", logging_configs.read_function)
    registry.claim("apigatewayv2", "CreateApi", claims.create)
    registry.claim("apigatewayv2", "GetApi", claims.read)
    registry.claim("apigatewayv2", "GetApis", claims.read)
    registry.add_service(host.log_service)
    registry.add_service(host.async_service)
    registry.add_service(apis)
    registry.on_internal_invoke(host.internal_invoke)
