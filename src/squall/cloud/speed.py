"""Cheaper moto hot paths, with the same results.

moto lists a response class's methods with ``inspect.getmembers`` on every request (a third of a
DynamoDB ``PutItem``'s time in moto). Classes do not grow methods while the daemon runs, so the
list is computed once per class.

moto's models create many botocore sessions at import (region lists), and each session's loader
parses the same large JSON files (``endpoints.json``) again: half of the daemon's start. Loaders
already share what they load within a session; ``share_botocore_data`` shares it between sessions.
"""

from __future__ import annotations

from functools import cache
from typing import Any


def share_botocore_data() -> None:
    """Parse each botocore data file once per process (call before importing moto's models)."""
    import botocore.loaders as loaders

    original = loaders.Loader.load_data_with_path
    if getattr(original, "squall_shared", False):
        return
    shared: dict[tuple[tuple[str, ...], str], Any] = {}

    def load_data_with_path(self: loaders.Loader, name: str) -> Any:
        key = (tuple(self.search_paths), name)
        if key not in shared:
            shared[key] = original(self, name)
        return shared[key]

    load_data_with_path.squall_shared = True  # type: ignore[attr-defined]
    loaders.Loader.load_data_with_path = load_data_with_path  # type: ignore[method-assign]


def install() -> None:
    import moto.core.responses as responses
    import moto.core.utils as utils

    original = utils.method_names_from_class

    @cache
    def method_names_from_class(clazz: object) -> list[str]:
        return original(clazz)

    vars(responses)["method_names_from_class"] = method_names_from_class
