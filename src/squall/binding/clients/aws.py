"""boto3 clients for the typed resources, made on first use and shared by every resource of the process.

They come from boto3's default session, so they sign with the function's own credentials and reach the
endpoint its environment names (``AWS_ENDPOINT_URL`` on the local cloud), as a handler's own
``boto3.client(...)`` does. boto3 is imported here, inside the call, never when ``squall`` is imported.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    """The process's boto3 client for ``service`` (boto3's client creation is not thread-safe: locked)."""
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        found = _clients.get(service)
        if found is None:
            import boto3  # the function's runtime library; loaded on first use only

            found = boto3.client(service)  # type: ignore[call-overload]
            _clients[service] = found
        return found


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (None for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None
