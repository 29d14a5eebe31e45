"""The unlock race, as Terraform's S3 backend guards against it: deploy A holds the lock; `squall unlock`;
deploy B starts; A goes on; C tries while B runs. A must stop before its next change (its lock was taken),
must not release B's lock, C must be refused, B must finish, and the state must match the cloud after.

Each deploy runs on its own thread with a reporter that can hold it at a step, so the interleaving is the
one described, not one left to chance.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from squall.deploy import Clients, LockHeld, deploy, diff, remove
from squall.deploy.engine import Session
from squall.deploy.errors import DeployError, LockLost
from squall.deploy.recovery import lock_of, unlock
from squall.deploy.steps import Plan, Step
from squall.deploy.ui import NullReporter, Outcome
from squall.errors import SquallError
from tests.integration.deploy.helpers import leftovers, load

WAIT = 60.0


class Gate(NullReporter):
    """Lets a deploy run until ``close()``, then holds every step as it starts until ``open()``."""

    def __init__(self) -> None:
        self.finished = 0
        self.started = threading.Event()
        self.held = threading.Condition()
        self.closed = False
        self.waiting = 0
        self.running = 0
        self._open = threading.Event()
        self._open.set()

    def close(self) -> None:
        with self.held:
            self.closed = True
            self._open.clear()

    def open(self) -> None:
        with self.held:
            self.closed = False
            self._open.set()

    def quiet(self) -> bool:
        """Every step that started is held or done."""
        with self.held:
            return self.running == self.waiting

    def step_started(self, step: Step) -> None:
        self.started.set()
        with self.held:
            self.running += 1
            closed = self.closed
            if closed:
                self.waiting += 1
        if closed:
            assert self._open.wait(WAIT)
            with self.held:
                self.waiting -= 1

    def step_finished(self, step: Step, outcome: Outcome, elapsed: float) -> None:
        with self.held:
            self.running -= 1
            self.finished += 1

    def step_failed(self, step: Step, error: SquallError, elapsed: float) -> None:
        with self.held:
            self.running -= 1


def until(check: Callable[[], bool], what: str) -> None:
    done = threading.Event()
    deadline = threading.Timer(WAIT, done.set)
    deadline.start()
    try:
        while not check():
            assert not done.wait(0.01), f"timed out waiting for {what}"
    finally:
        deadline.cancel()


class Run(threading.Thread):
    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.fn = fn
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.fn()
        except BaseException as exc:
            self.error = exc


def test_a_deploy_whose_lock_was_taken_stops_and_leaves_the_next_holder_alone(
    shortener: Path, stage: str, clients: Clients
) -> None:
    project = load(shortener, stage)
    a_gate, b_gate = Gate(), Gate()

    # A: the first deploy of the stage; held after its first few changes.
    def first_changes() -> bool:
        if a_gate.finished >= 2:
            a_gate.close()
            return True
        return False

    a = Run(lambda: deploy(project, clients=clients, reporter=a_gate, command="deploy A"))
    a.start()
    until(lambda: first_changes() or not a.is_alive(), "A to make its first changes")
    assert a.is_alive(), f"A finished before it could be held: {a.error}"
    until(a_gate.quiet, "A to be held")

    # Someone decides A is stuck and unlocks the stage.
    released = unlock(project, clients=clients, confirm=lambda lock: "deploy A" in lock.describe())
    assert released is not None and released.holder is not None and released.holder.command == "deploy A"

    # B starts and is held at its first change, holding the lock.
    b_gate.close()
    b = Run(lambda: deploy(project, clients=clients, reporter=b_gate, command="deploy B"))
    b.start()
    until(lambda: b_gate.started.is_set() or not b.is_alive(), "B to start changing")
    assert b.is_alive(), f"B stopped: {b.error}"

    # A goes on: it must see its lock taken before its next change, and leave B's lock in place.
    finished_by_a = a_gate.finished
    a_gate.open()
    a.join(WAIT)
    assert isinstance(a.error, DeployError), a.error
    assert isinstance(getattr(a.error, "reason", a.error), LockLost), a.error
    message = str(a.error)
    assert "was taken from this run" in message and "stopped before its next change" in message
    assert "deploy B" in message, "it says who holds the lock now"
    assert a_gate.finished == finished_by_a, "A made no change after its lock was taken"
    _, lock_now = lock_of(project, clients=clients)
    assert lock_now is not None and lock_now.holder is not None and lock_now.holder.command == "deploy B"

    # C tries while B runs: refused, naming B.
    with pytest.raises(LockHeld, match="deploy B"):
        deploy(project, clients=clients, command="deploy C")

    b_gate.open()
    b.join(WAIT)
    assert b.error is None, b.error
    assert lock_of(project, clients=clients)[1] is None, "B released its own lock"

    plan: Plan = diff(project, clients=clients)
    assert plan.is_empty and not plan.problems, [s.describe() for s in plan.steps]
    session = Session(clients, project.graph)
    session.connect()
    state = session.store().load()
    assert set(state.resources) == {r.logical_id for r in project.graph.resources}
    apis = [
        a for a in clients("apigatewayv2").get_apis()["Items"] if a["Name"] == f"url-shortener-{stage}-Api"
    ]
    assert len(apis) == 1, "no API made twice"
    remove(project, clients=clients)
    assert leftovers(clients, f"url-shortener-{stage}-") == {}
