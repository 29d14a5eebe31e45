"""``Resource``: the bound resources of the running function, read from what the deployer injected.

Each bound resource arrives as one environment variable, ``SQUALL_RESOURCE_<id>``, holding compact JSON
(``{"type": "Table", "tableName": ..., "arn": ...}``); ``Resource.<id>.<attribute>`` reads it with the
attribute in snake_case. Tables, buckets, queues, topics and secrets are typed clients
(``squall.binding.clients``) that call AWS through boto3, imported on first use. This module is stdlib-only
at import time: it runs inside every function.
"""

from __future__ import annotations

import importlib
import json
import os
from typing import TYPE_CHECKING, Any

from squall.binding.clients.base import BoundResource

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


def _function_name() -> str:
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "this process")


CLIENTS: dict[str, str] = {
    "Table": "table:TableClient",
    "Bucket": "bucket:BucketClient",
    "Queue": "queue:QueueClient",
    "Topic": "topic:TopicClient",
    "Secret": "secret:SecretClient",
}
"""Resource type → the class ``Resource.<id>`` is (its module is imported on first use, keeping cold starts
short for functions that never use it); other types offer their metadata only."""


def client_class(kind: str) -> type[BoundResource]:
    spec = CLIENTS.get(kind)
    if spec is None:
        return BoundResource
    module, name = spec.split(":")
    found: type[BoundResource] = getattr(importlib.import_module(f"squall.binding.clients.{module}"), name)
    return found


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
        resource = client_class(str(data.get("type")))(id, data)
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
