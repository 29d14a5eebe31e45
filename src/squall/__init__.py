"""squall: serverless apps on AWS in Python.

``from squall import Resource`` is what handlers use (with ``ConditionFailed`` and ``BatchFailed``, what its
typed clients raise); it is stdlib-only and cheap to import. ``App`` and
``Stack`` (for ``squall.config.py``) are imported on first use, so functions never load the definition side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from squall.binding.clients.errors import BatchFailed, ConditionFailed
from squall.binding.resource import Resource

if TYPE_CHECKING:
    from squall.app import App, Stack

__all__ = ["App", "BatchFailed", "ConditionFailed", "Resource", "Stack"]


def __getattr__(name: str) -> Any:
    if name in ("App", "Stack"):
        from squall import app

        return getattr(app, name)
    raise AttributeError(f"module 'squall' has no attribute {name!r}")
