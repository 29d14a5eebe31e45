"""``BoundResource``: one bound resource's metadata as attributes (``table_name``, ``arn``, ``queue_url``...).

The metadata arrives as compact JSON (``{"type": "Table", "tableName": ..., "arn": ...}``); its keys are
offered in snake_case. Typed clients subclass this and add methods; unknown attributes say what exists.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class BoundResource:
    """One bound resource's metadata, as attributes."""

    _structural: tuple[str, ...] = ()
    """Metadata keys the client uses itself and does not offer as attributes."""

    def __init__(self, id: str, data: dict[str, Any]) -> None:
        self._id = id
        self._type = str(data.get("type", "Resource"))
        self._data = data
        self._fields = {
            _snake(key): value for key, value in data.items() if key != "type" and key not in self._structural
        }

    def _field(self, name: str) -> str:
        try:
            return str(self._fields[name])
        except KeyError:
            raise self._missing(name) from None

    def _missing(self, name: str) -> AttributeError:
        known = ", ".join(sorted(self._fields)) or "none"
        return AttributeError(f"{self._type} '{self._id}' has no attribute {name!r} (it has: {known})")

    if not TYPE_CHECKING:  # for type checkers, only the declared attributes exist

        def __getattr__(self, name: str) -> Any:
            if name.startswith("_"):
                raise AttributeError(name)
            try:
                return self._fields[name]
            except KeyError:
                raise self._missing(name) from None

    def __repr__(self) -> str:
        return f"<{self._type} {self._id} {self._fields}>"
