"""``Resource.<Secret>.value``: fetched from SSM (decrypted) on first access, then cached in the process.

The stage's own value wins; the fallback set with ``squall secret set --fallback`` serves stages without
one. The value never sits in the function's environment.
"""

from __future__ import annotations

import threading
from typing import Any

from squall.binding.clients import aws
from squall.binding.clients.base import BoundResource


class SecretClient(BoundResource):
    """One bound secret."""

    def __init__(self, id: str, data: dict[str, Any]) -> None:
        super().__init__(id, data)
        self._lock = threading.Lock()
        self._value: str | None = None

    @property
    def parameter(self) -> str:
        return self._field("parameter")

    @property
    def fallback_parameter(self) -> str:
        return self._field("fallback_parameter")

    @property
    def client(self) -> Any:
        """The boto3 SSM client."""
        return aws.client("ssm")

    @property
    def value(self) -> str:
        with self._lock:
            if self._value is None:
                self._value = self._fetch()
            return self._value

    def _fetch(self) -> str:
        client = self.client
        for name in (self.parameter, self.fallback_parameter):
            try:
                return str(client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
            except client.exceptions.ParameterNotFound:
                continue
        raise LookupError(
            f"secret '{self._id}' has no value for this stage; set it with: squall secret set {self._id} VALUE"
        )
