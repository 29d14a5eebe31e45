"""A denied request, answered as the service answers it, and said where a developer will see it.

AWS words an identity-based denial the same in every service (``User: ARN is not authorized to perform:
ACTION on resource: RESOURCE because no identity-based policy allows the ACTION action``, or ``with an
explicit deny in an identity-based policy``) inside each service's own error: DynamoDB, SSM, CloudWatch
Logs and EventBridge a 400 ``AccessDeniedException`` (JSON), Lambda a 403 ``AccessDeniedException``
(REST-JSON), S3 a 403 ``AccessDenied`` (XML, the resource in quotes), SQS (the action in lowercase), IAM
and STS a 403 ``AccessDenied``, SNS a 403 ``AuthorizationError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from squall.cloud.auth.errors import json_error, protocol_of, query_error, s3_error, sqs_json_error
from squall.cloud.iam.policy import Decision
from squall.cloud.plugins import CloudResponse


@dataclass(frozen=True)
class Denial:
    """One request IAM refused (or, in ``warn`` mode, would have)."""

    principal: str
    """``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``."""
    role: str
    session: str
    """The role session's name: for a function, the function's name."""
    action: str
    resource: str
    decision: Decision
    enforced: bool
    service: str
    region: str

    def message(self, *, quoted: bool = False, lowercase: bool = False) -> str:
        resource = f'"{self.resource}"' if quoted else self.resource
        action = self.action.lower() if lowercase else self.action
        reason = (
            "with an explicit deny in an identity-based policy"
            if self.decision == "explicit-deny"
            else f"because no identity-based policy allows the {action} action"
        )
        return (
            f"User: {self.principal} is not authorized to perform: {action} on resource: {resource} {reason}"
        )


def response(denial: Denial, headers: Mapping[str, str]) -> CloudResponse:
    """The service's own answer to ``denial``."""
    service = denial.service
    protocol = protocol_of(service, headers)
    if protocol == "rest-xml":
        return s3_error(403, "AccessDenied", denial.message(quoted=True))
    if protocol == "json":
        return json_error(400, "AccessDeniedException", denial.message())
    if protocol == "rest-json":
        return json_error(403, "AccessDeniedException", denial.message(), rest=True)
    if service == "sqs":  # SQS names the action in lowercase (``sqs:sendmessage``)
        message = denial.message(lowercase=True)
        if protocol == "sqs-json":
            return sqs_json_error(403, "AccessDenied", message)
        return query_error(403, "AccessDenied", message, service)
    code = "AuthorizationError" if service == "sns" else "AccessDenied"
    return query_error(403, code, denial.message(), service)
