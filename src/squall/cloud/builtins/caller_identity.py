"""STS ``GetCallerIdentity`` for the home's own key: the account's root, as AWS answers for root keys.

moto names every key it did not issue ``user/moto``; role sessions and IAM users' keys it knows, and
answers for them itself.
"""

from __future__ import annotations

import uuid
from xml.sax.saxutils import escape

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse, Registry

_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"


def caller_identity(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
    principal = request.principal
    if principal is None or not principal.is_root:
        return ctx.call(request)
    request_id = str(uuid.uuid4())
    body = (
        f'<GetCallerIdentityResponse xmlns="{_NAMESPACE}"><GetCallerIdentityResult>'
        f"<Arn>{escape(principal.arn)}</Arn><UserId>{principal.account_id}</UserId>"
        f"<Account>{principal.account_id}</Account></GetCallerIdentityResult>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
    )
    return CloudResponse(200, {"content-type": "text/xml", "x-amzn-requestid": request_id}, body.encode())


def setup(registry: Registry) -> None:
    registry.claim("sts", "GetCallerIdentity", caller_identity)
