"""Running what is deployed to the local cloud: Lambda functions and HTTP APIs.

moto stores functions and APIs but runs neither without Docker. This package is a local-cloud plugin
(``setup``) that does:

- ``functions``: Lambda ``Invoke`` (RequestResponse, Event, DryRun) on warm worker pools built from each
  function's uploaded code, with its configuration, role credentials and ``AWS_ENDPOINT_URL`` set;
- ``logs``: every invocation's output, with START/END/REPORT lines, shipped to CloudWatch Logs, and its
  record (``squall.runtime.records``) to ``/squall/invocations``, whose stream goes when the function does;
- ``denials``: IAM denials written into the denied function's logs, with the ``bind`` that fixes them;
- ``http_api``: each HTTP API served on its own port of 127.0.0.1, kept across restarts, as API Gateway's
  payload format 2.0 data plane, with its routes' authorizers (``authorization``);
- ``cognito_triggers``: a user pool's pre sign-up and post confirmation functions.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse, Registry


def setup(registry: Registry) -> None:
    from squall.host.cognito_triggers import CognitoTriggers
    from squall.host.functions import FunctionHost
    from squall.host.http_api import ApiEndpointClaims, HttpApiService
    from squall.host.invoke_api import InvokeHandler
    from squall.host.live import PATH_PREFIX
    from squall.host.logging_config import LoggingConfigs
    from squall.runtime.records import INVOCATIONS_LOG_GROUP

    logging_configs = LoggingConfigs()
    host = FunctionHost(logging_configs)
    apis = HttpApiService(host)
    claims = ApiEndpointClaims(apis)
    registry.claim("awslambda", "Invoke", InvokeHandler(host))

    def delete_function(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
        # DELETE /2015-03-31/functions/{name or ARN}: the function's invocation records go with it
        response = ctx.call(request)
        if response.status < 300 and not parse_qs(request.query).get("Qualifier"):
            name = unquote(request.path.rstrip("/").rsplit("/", 1)[-1]).rsplit(":function:", 1)[-1]
            function = name.split(":", 1)[0]
            host.log_service.forget_group(f"/aws/lambda/{function}")
            host.log_service.delete_stream(ctx, INVOCATIONS_LOG_GROUP, function, request.region)
        return response

    registry.claim("awslambda", "DeleteFunction", delete_function)
    registry.claim_path(PATH_PREFIX, host.live.handle)
    for operation in ("CreateFunction", "UpdateFunctionConfiguration"):
        registry.claim("awslambda", operation, logging_configs.write)
    registry.claim("awslambda", "GetFunctionConfiguration", logging_configs.read_configuration)
    registry.claim("awslambda", "GetFunction", logging_configs.read_function)
    registry.claim("apigatewayv2", "CreateApi", claims.create)
    registry.claim("apigatewayv2", "GetApi", claims.read)
    registry.claim("apigatewayv2", "GetApis", claims.read)
    triggers = CognitoTriggers(host)
    registry.claim("cognitoidp", "SignUp", triggers.sign_up)
    registry.claim("cognitoidp", "ConfirmSignUp", triggers.confirm)
    registry.claim("cognitoidp", "AdminConfirmSignUp", triggers.confirm)
    registry.add_service(host.log_service)
    registry.add_service(host.async_service)
    registry.add_service(apis)
    registry.on_internal_invoke(host.internal_invoke)
    registry.on_denial(host.denials.record)
