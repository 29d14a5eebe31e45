"""Lambda ``Invoke`` until a function runtime plugin claims it: a clear, non-retryable error.

Status 501 is not one botocore retries, so a caller sees the message at once.
"""

from __future__ import annotations

from squall.cloud.lambda_stub import NOT_AVAILABLE
from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse, Registry


def invoke_unavailable(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    return CloudResponse.aws_error(501, "InvocationNotAvailableException", NOT_AVAILABLE, sender=False)


def setup(registry: Registry) -> None:
    registry.claim("awslambda", "Invoke", invoke_unavailable)
