"""How a deploy reports progress: a ``Reporter`` the engine calls; the CLI's draws a live view."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from squall.deploy.steps import Plan, Step
    from squall.errors import SquallError

Outcome = Literal["created", "updated", "replaced", "deleted", "unchanged", "kept"]
"""``kept``: a delete that left the resource in place, since it is not the stage's."""


class Reporter(Protocol):
    def plan_ready(self, plan: Plan) -> None: ...

    def step_started(self, step: Step) -> None: ...

    def step_finished(self, step: Step, outcome: Outcome, elapsed: float) -> None: ...

    def step_failed(self, step: Step, error: SquallError, elapsed: float) -> None: ...

    def note(self, message: str) -> None: ...


class NullReporter:
    """Reports nothing."""

    def plan_ready(self, plan: Plan) -> None:
        pass

    def step_started(self, step: Step) -> None:
        pass

    def step_finished(self, step: Step, outcome: Outcome, elapsed: float) -> None:
        pass

    def step_failed(self, step: Step, error: SquallError, elapsed: float) -> None:
        pass

    def note(self, message: str) -> None:
        pass
