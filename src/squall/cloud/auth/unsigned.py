"""The few requests AWS serves without a signature, and who they come from.

Cognito's user-facing operations (``SignUp``, ``InitiateAuth``, ``ConfirmSignUp``, ...) are called by an
app's end users, who have no AWS credentials: botocore's model marks them ``authtype: none`` and sends them
unsigned, and the service authenticates them by what they carry (a client id, a password, a token). A user
pool's public keys (``/{pool}/.well-known/jwks.json``) and OpenID configuration are public documents. Every
other request still needs a signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from squall.cloud.auth.keyring import Principal
from squall.cloud.operations import SERVICES, USER_POOL_WELL_KNOWN

ANONYMOUS = Principal("anonymous", "anonymous", "")
_SERVES_UNSIGNED = frozenset({"cognitoidp"})


@cache
def _unsigned_operations(service: str) -> frozenset[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model(SERVICES[service])
    return frozenset(
        name for name in model.operation_names if model.operation_model(name).auth_type == "none"
    )


def may_be_unsigned(service: str, method: str, path: str, headers: Mapping[str, str]) -> bool:
    """Whether AWS answers this request without a signature."""
    if service not in _SERVES_UNSIGNED or "authorization" in headers:
        return False
    if method in ("GET", "HEAD") and USER_POOL_WELL_KNOWN.match(path):
        return True
    target = headers.get("x-amz-target", "")
    _, dot, operation = target.rpartition(".")
    return method == "POST" and bool(dot) and operation in _unsigned_operations(service)
