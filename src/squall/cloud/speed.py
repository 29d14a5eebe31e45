"""Cheaper moto hot paths, with the same results.

moto lists a response class's methods with ``inspect.getmembers`` on every request (a third of a
DynamoDB ``PutItem``'s time in moto). Classes do not grow methods while the daemon runs, so the
list is computed once per class.
"""

from __future__ import annotations

from functools import cache


def install() -> None:
    import moto.core.responses as responses
    import moto.core.utils as utils

    original = utils.method_names_from_class

    @cache
    def method_names_from_class(clazz: object) -> list[str]:
        return original(clazz)

    vars(responses)["method_names_from_class"] = method_names_from_class
