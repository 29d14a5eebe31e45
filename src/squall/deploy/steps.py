"""What a plan is made of, as plain data: ``Step`` (one change to one resource) and ``Plan`` (all of them).

The planner (``plan.py``) and the removal planner (``removal.py``) make them; the executor applies them; the
CLI shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

JSON = Any
Action = Literal["create", "update", "replace", "delete"]


@dataclass(frozen=True)
class Step:
    """One change to one resource."""

    action: Action
    logical_id: str
    type: str
    physical_name: str | None = None
    physical_id: str | None = None
    changes: tuple[str, ...] = ()
    """Top-level properties that change (for ``replace``: those that force it)."""
    depends_on: tuple[str, ...] = ()
    """Logical ids of the steps this one waits for."""
    adopt: bool = False
    """The resource exists but the state did not know it."""
    pending: bool = False
    """Some properties are known only after earlier steps; it may turn out unchanged."""
    found_attributes: tuple[tuple[str, str], ...] = ()
    forget: bool = False
    """Only drop it from the state: another resource took over what it recorded, or it is not the stage's."""
    kept: str | None = None
    """Why a delete leaves the resource in place (it is not the stage's): shown to the user."""
    retag: bool = False
    """The resource lacks the stage's tags (recorded before squall tagged what it made): add them."""

    def describe(self) -> str:
        name = self.physical_name or self.physical_id or ""
        return f"{self.logical_id} ({name})" if name else self.logical_id

    def to_json(self) -> dict[str, JSON]:
        return {
            "action": self.action,
            "logical_id": self.logical_id,
            "type": self.type,
            "physical_name": self.physical_name,
            "physical_id": self.physical_id,
            "changes": list(self.changes),
            "depends_on": list(self.depends_on),
            "adopt": self.adopt,
            "pending": self.pending,
            "kept": self.kept,
            "retag": self.retag,
        }


@dataclass(frozen=True)
class Plan:
    app: str
    stage: str
    target: str
    account_id: str
    steps: tuple[Step, ...]
    unchanged: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    """What stops this plan from being applied (resources that are not the stage's, missing secrets)."""

    @property
    def is_empty(self) -> bool:
        return not self.steps

    @property
    def kept(self) -> list[Step]:
        """The deletes that leave a resource in place because it is not the stage's."""
        return [s for s in self.steps if s.kept]

    def step(self, logical_id: str) -> Step:
        return next(s for s in self.steps if s.logical_id == logical_id)

    def actions(self) -> dict[str, str]:
        return {s.logical_id: s.action for s in self.steps}

    def to_json(self) -> dict[str, JSON]:
        return {
            "app": self.app,
            "stage": self.stage,
            "target": self.target,
            "steps": [s.to_json() for s in self.steps],
            "unchanged": list(self.unchanged),
            "problems": list(self.problems),
        }
