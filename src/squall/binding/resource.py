"""``Resource``: the bound resources of the running function, read from what the deployer injected.

Each bound resource arrives as one environment variable, ``SQUALL_RESOURCE_<id>``, holding compact JSON
(``{"type": "Table", "tableName": ..., "arn": ...}``); ``Resource.<id>.<attribute>`` reads it with the
attribute in snake_case. A secret's value is fetched from SSM on first access and cached, so it never sits
in the environment. This module is stdlib-only at import time: it runs inside every function.
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import TYPE_CHECKING, Any

ENV_PREFIX = "SQUALL_RESOURCE_"
SPILL_VARIABLE = "SQUALL_RESOURCES_FILE"
"""Names a JSON file in the package holding the metadata that did not fit Lambda's 4 KB environment."""


def _spilled() -> dict[str, Any]:
    name = os.environ.get(SPILL_VARIABLE)
    if not name:
        return {}
    root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    with open(os.path.join(root, name), encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
    return data


class UnboundResourceError(AttributeError):
    """A handler used ``Resource.X`` but X is not bound to its function."""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _function_name() -> str:
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "this process")


class BoundResource:
    """One bound resource's metadata, as attributes (``table_name``, ``arn``, ``queue_url``...)."""

    def __init__(self, id: str, data: dict[str, Any]) -> None:
        self._id = id
        self._type = str(data.get("type", "Resource"))
        self._fields = {_snake(key): value for key, value in data.items() if key != "type"}
        self._lock = threading.Lock()
        self._secret: str | None = None

    def __getattr__(self, name: str) -> Any:
        if name == "value" and self._type == "Secret":
            return self._secret_value()
        try:
            return self._fields[name]
        except KeyError:
            known = ", ".join(sorted(self._fields)) or "none"
            raise AttributeError(
                f"{self._type} '{self._id}' has no attribute {name!r} (it has: {known})"
            ) from None

    def _secret_value(self) -> str:
        with self._lock:
            if self._secret is None:
                self._secret = _fetch_secret(
                    self._id, self._fields["parameter"], self._fields["fallback_parameter"]
                )
            return self._secret

    def __repr__(self) -> str:
        return f"<{self._type} {self._id} {self._fields}>"


def _fetch_secret(id: str, parameter: str, fallback: str) -> str:
    import boto3  # the function's own dependency, as for any AWS call

    client = boto3.client("ssm")
    for name in (parameter, fallback):
        try:
            value = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
            return str(value)
        except client.exceptions.ParameterNotFound:
            continue
    raise LookupError(f"secret '{id}' has no value for this stage; set it with: squall secret set {id} VALUE")


class AppInfo:
    @property
    def name(self) -> str:
        return os.environ.get("SQUALL_APP", "")

    @property
    def stage(self) -> str:
        return os.environ.get("SQUALL_STAGE", "")


class ResourceNamespace:
    """``Resource``: attribute access by construct id; ``Resource.App`` has the app's name and stage."""

    def __init__(self) -> None:
        self._cache: dict[str, BoundResource] = {}
        self._file: dict[str, Any] | None = None

    def _from_file(self, id: str) -> dict[str, Any] | None:
        if self._file is None:
            self._file = _spilled()
        found = self._file.get(id)
        return found if isinstance(found, dict) else None

    def _bound_ids(self) -> list[str]:
        names = {key[len(ENV_PREFIX) :] for key in os.environ if key.startswith(ENV_PREFIX)}
        if os.environ.get(SPILL_VARIABLE):
            names.update(self._file if self._file is not None else _spilled())
        return sorted(names)

    def __getattr__(self, id: str) -> Any:
        if id.startswith("__"):
            raise AttributeError(id)
        if id == "App":
            return AppInfo()
        cached = self._cache.get(id)
        if cached is not None:
            return cached
        raw = os.environ.get(ENV_PREFIX + id)
        data = json.loads(raw) if raw is not None else self._from_file(id)
        if data is None:
            bound = self._bound_ids()
            raise UnboundResourceError(
                f"Resource.{id} is not bound to {_function_name()} "
                f"(bound: {', '.join(bound) or 'nothing'}). Bind it in squall.config.py, e.g. "
                f"api.bind([{id.lower()}]) or Function(..., bind=[{id.lower()}])"
            )
        resource = BoundResource(id, data)
        self._cache[id] = resource
        return resource

    def __dir__(self) -> list[str]:
        return ["App", *self._bound_ids()]


if TYPE_CHECKING:
    # Generated per app by `squall types` into .squall/types; without it, attributes are dynamic (Any).
    from squall_resources import Resources

    Resource: Resources
else:
    Resource = ResourceNamespace()
