"""What a user imports is small and deliberate, and every export resolves."""

from __future__ import annotations

import squall
import squall.constructs


def test_squall_exports() -> None:
    assert squall.__all__ == ["App", "BatchFailed", "ConditionFailed", "Resource", "Stack"]
    for name in squall.__all__:
        assert getattr(squall, name) is not None


def test_constructs_exports_are_complete() -> None:
    exported = set(squall.constructs.__all__)
    for name in exported:
        assert getattr(squall.constructs, name) is not None
    public = {
        name
        for name, value in vars(squall.constructs).items()
        if not name.startswith("_")
        and isinstance(value, type)
        and value.__module__.startswith("squall.constructs")
    }
    assert public <= exported
    assert {"Api", "Bucket", "Cron", "Function", "Queue", "Secret", "Table", "Topic"} <= exported
