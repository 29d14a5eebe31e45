"""The terminal view of a deploy: one line per resource (creating / updating / unchanged / deleting /
failed) with its elapsed time, redrawn live on a terminal and printed line by line otherwise."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from squall.deploy.ui import Outcome

if TYPE_CHECKING:
    from squall.deploy.steps import Plan, Step
    from squall.errors import SquallError

RUNNING = {"create": "creating", "update": "updating", "replace": "replacing", "delete": "deleting"}
STYLES = {
    "created": "green",
    "updated": "yellow",
    "replaced": "magenta",
    "deleted": "red",
    "unchanged": "dim",
    "kept": "bold yellow",
    "failed": "bold red",
}


class LiveReporter:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.rows: dict[str, tuple[str, str, float, float | None]] = {}
        """logical id → (status, description, started, elapsed when finished)."""
        self.lock = threading.Lock()
        self.live: Live | None = None

    def __enter__(self) -> LiveReporter:
        if self.console.is_terminal:
            self.live = Live(self._render(), console=self.console, refresh_per_second=12, transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.update(self._render())
            self.live.__exit__(None, None, None)
            self.live = None

    def _render(self) -> Group:
        lines = []
        now = time.monotonic()
        for status, description, started, elapsed in self.rows.values():
            seconds = elapsed if elapsed is not None else now - started
            line = Text()
            line.append(f"{status:<10}", style=STYLES.get(status, "cyan"))
            line.append(f" {description}")
            line.append(f"  {seconds:.1f}s", style="dim")
            lines.append(line)
        return Group(*lines)

    def _refresh(self) -> None:
        if self.live is not None:
            self.live.update(self._render())

    def plan_ready(self, plan: Plan) -> None:
        if plan.is_empty:
            self.console.print(f"[dim]{plan.app} / {plan.stage}: no changes[/dim]")
        else:
            counts: dict[str, int] = {}
            for step in plan.steps:
                counts[step.action] = counts.get(step.action, 0) + 1
            summary = ", ".join(f"{n} to {action}" for action, n in sorted(counts.items()))
            self.console.print(f"{plan.app} / {plan.stage}: {summary}, {len(plan.unchanged)} unchanged")

    def step_started(self, step: Step) -> None:
        with self.lock:
            self.rows[step.logical_id] = (RUNNING[step.action], _describe(step), time.monotonic(), None)
            self._refresh()

    def step_finished(self, step: Step, outcome: Outcome, elapsed: float) -> None:
        with self.lock:
            self.rows[step.logical_id] = (outcome, _describe(step), 0.0, elapsed)
            self._refresh()
            if self.live is None:
                self.console.print(
                    f"{outcome:<10} {_describe(step)}  {elapsed:.1f}s", highlight=False, soft_wrap=True
                )

    def step_failed(self, step: Step, error: SquallError, elapsed: float) -> None:
        with self.lock:
            self.rows[step.logical_id] = ("failed", _describe(step), 0.0, elapsed)
            self._refresh()
            if self.live is None:
                self.console.print(
                    f"failed     {_describe(step)}  {elapsed:.1f}s", highlight=False, soft_wrap=True
                )

    def note(self, message: str) -> None:
        self.console.print(message)


def _describe(step: Step) -> str:
    return f"{step.type.removeprefix('AWS::')} {step.describe()}"
