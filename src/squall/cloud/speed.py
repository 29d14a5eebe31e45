"""Cheaper moto hot paths, with the same results.

moto lists a response class's methods with ``inspect.getmembers`` on every request (a third of a
DynamoDB ``PutItem``'s time in moto). Classes do not grow methods while the daemon runs, so the
list is computed once per class.

moto's models create many botocore sessions at import (region lists), and each session's loader
parses the same large JSON files (``endpoints.json``) again: half of the daemon's start. Loaders
already share what they load within a session; ``share_botocore_data`` shares it between sessions.

moto records every model instance it ever creates (each log event, each message...) in a class-level
list, for its test-reset API that the local cloud never uses: a list that only grows, and a cost on every
object. The daemon creates models without that record.

moto's JSON-protocol handlers read each parameter with ``_get_param``, which parses the whole request body
again every time: a ``PutLogEvents`` with thousands of events is parsed once per parameter. The parsed
body is kept on the response object for the request instead.
"""

from __future__ import annotations

import json
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
    _parse_json_body_once(responses.BaseResponse)
    _untracked_models()


def _untracked_models() -> None:
    from moto.core.common_models import BaseModel

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        return object.__new__(cls)

    BaseModel.__new__ = __new__  # type: ignore[method-assign]


def _parse_json_body_once(base: Any) -> None:
    original = base._get_param
    if getattr(original, "squall_cached", False):
        return
    missing = object()

    def _get_param(self: Any, param_name: str, if_none: Any = None) -> Any:
        if self.automated_parameter_parsing:
            return original(self, param_name, if_none)
        value = self.querystring.get(param_name)
        if value is not None:
            return value[0]
        body = self.body
        if body is not None:
            cached = self.__dict__.get("_squall_json")
            if cached is None or cached[0] is not body:
                try:
                    parsed: Any = json.loads(body)
                except (ValueError, TypeError):
                    parsed = missing
                cached = (body, parsed)
                self.__dict__["_squall_json"] = cached
            parsed = cached[1]
            if isinstance(parsed, dict) and param_name in parsed:
                return parsed[param_name]
        if self.uri_match and param_name in self.uri_match:
            return self.uri_match[param_name]
        return if_none

    _get_param.squall_cached = True  # type: ignore[attr-defined]
    base._get_param = _get_param
