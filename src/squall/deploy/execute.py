"""Applying a plan: independent steps in parallel (threads), each as soon as the steps it needs are done.

Every step records the state around its call: ``creating`` (with the properties about to be applied)
before a create, ``ready`` with the physical id and attributes right after, removal right after a delete.
Intrinsics are resolved here, against the attributes recorded so far, so a step sees the ids of the
resources made just before it. Deletes run after every create and update. A failed step stops only what
depends on it; the others finish and are recorded, and the deploy then fails with every error.

Two failures stop the whole run instead (``StopDeploy``): a lost lock (``guard``, called before each
change, says the run no longer holds the stage) and a target that stopped answering. No further step
starts; those running finish, and the run fails saying what was applied.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from squall.deploy.errors import DeployError, StopDeploy, cloud_error
from squall.deploy.intrinsics import UNKNOWN, Resolver, _Unknown, contains_unknown
from squall.deploy.plan import desired_properties, resource_dependencies
from squall.deploy.providers import Current, Provider, ProviderContext, provider_for
from squall.deploy.state import ResourceState, StateRecorder
from squall.deploy.steps import Plan, Step
from squall.deploy.ui import Outcome, Reporter
from squall.errors import SquallError
from squall.graph.model import Graph

JSON = Any


class DeployFailed(DeployError):
    """One or more steps failed; the others were applied and recorded."""

    def __init__(self, errors: list[SquallError]) -> None:
        self.errors = errors
        count = len(errors)
        head = f"{count} resource{'s' if count != 1 else ''} failed:"
        super().__init__(
            "\n".join([head, *("  " + e.format().replace("\n", "\n  ") for e in errors)]),
            hint="fix the cause and deploy again: it continues where this one stopped",
        )

    def format(self) -> str:
        return f"{self.message}\n  hint: {self.hint}"


class DeployStopped(DeployError):
    """The run stopped part-way (``reason``); what it applied before is recorded."""

    def __init__(self, reason: StopDeploy, applied: Mapping[str, Outcome], not_done: int) -> None:
        self.reason = reason
        self.exit_code = reason.exit_code
        changes = [f"{logical_id} {outcome}" for logical_id, outcome in sorted(applied.items())]
        summary = (
            f"{len(changes)} change(s) applied and recorded before it stopped ({', '.join(changes)})"
            if changes
            else "no change was applied before it stopped"
        )
        super().__init__(
            f"{reason.message}\n  {summary}; {not_done} not made", where=reason.where, hint=reason.hint
        )


class Executor:
    def __init__(
        self,
        ctx: ProviderContext,
        recorder: StateRecorder,
        reporter: Reporter,
        graph: Graph | None,
        *,
        code: dict[str, str] | None = None,
        workers: int = 16,
        providers: Mapping[str, Provider] | None = None,
        clock: Callable[[], float] = time.monotonic,
        guard: Callable[[], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.recorder = recorder
        self.reporter = reporter
        self.graph = graph
        self.code = code or {}
        self.workers = workers
        self.providers = providers
        self.clock = clock
        self.guard = guard
        """Raises (``StopDeploy``) when the run may no longer change anything."""

    def lookup(self, logical_id: str, attribute: str) -> str | _Unknown:
        entry = self.recorder.get(logical_id)
        if entry is None or entry.status != "ready":
            return UNKNOWN
        return entry.attributes.get(attribute, UNKNOWN)

    def resolver(self) -> Resolver:
        return Resolver(self.ctx.account_id, self.ctx.region, self.lookup)

    def run(self, plan: Plan) -> dict[str, Outcome]:
        steps = {s.logical_id: s for s in plan.steps}
        non_deletes = {s.logical_id for s in plan.steps if s.action != "delete"}
        waits: dict[str, set[str]] = {}
        for step in plan.steps:
            needs = set(step.depends_on) & set(steps)
            if step.action == "delete":
                needs |= non_deletes
            waits[step.logical_id] = needs
        outcomes: dict[str, Outcome] = {}
        errors: list[SquallError] = []
        failed: set[str] = set()
        done: set[str] = set()
        running: dict[Future[Outcome], str] = {}
        lock = threading.Lock()
        stopped: StopDeploy | None = None
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while True:
                for logical_id, needs in sorted(waits.items()):
                    if stopped is not None:
                        break
                    if logical_id in done or logical_id in running.values():
                        continue
                    if needs & failed:
                        failed.add(logical_id)
                        done.add(logical_id)
                        continue
                    if needs <= done:
                        running[pool.submit(self._run_step, steps[logical_id])] = logical_id
                if not running:
                    break
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    logical_id = running.pop(future)
                    done.add(logical_id)
                    try:
                        outcome = future.result()
                    except StopDeploy as exc:
                        stopped = stopped or exc
                        failed.add(logical_id)
                        continue
                    except SquallError as exc:
                        with lock:
                            failed.add(logical_id)
                            errors.append(exc)
                        continue
                    outcomes[logical_id] = outcome
        if stopped is not None:
            applied = {k: v for k, v in outcomes.items() if v != "unchanged"}
            raise DeployStopped(stopped, applied, len(steps) - len(outcomes))
        if errors:
            raise DeployFailed(errors)
        return outcomes

    def _run_step(self, step: Step) -> Outcome:
        self.reporter.step_started(step)
        start = self.clock()
        try:
            if self.guard is not None:
                self.guard()
            outcome = self._apply(step)
        except Exception as exc:
            error = cloud_error(
                exc,
                logical_id=step.logical_id,
                physical=step.physical_name or step.physical_id,
                action=_VERBS[step.action],
            )
            self.reporter.step_failed(step, error, self.clock() - start)
            raise error from exc
        self.reporter.step_finished(step, outcome, self.clock() - start)
        return outcome

    def _desired(self, step: Step) -> dict[str, JSON]:
        assert self.graph is not None
        resource = self.graph.resource(step.logical_id)
        props = self.resolver().resolve(
            desired_properties(resource, self.code, provider_for(resource.type, self.providers))
        )
        if contains_unknown(props):
            raise DeployError(f"{step.logical_id}: some properties could not be resolved: {props!r}")
        assert isinstance(props, dict)
        return props

    def _deps(self, step: Step) -> list[str]:
        if self.graph is None:
            return []
        ids = {r.logical_id for r in self.graph.resources}
        return list(resource_dependencies(self.graph.resource(step.logical_id), ids))

    def _record(self, step: Step, current: Current, props: dict[str, JSON]) -> None:
        self.recorder.update(
            step.logical_id,
            ResourceState(
                step.type,
                "ready",
                current.physical_id,
                props,
                dict(current.attributes),
                self._deps(step),
                step.physical_name,
            ),
        )
        self.recorder.commit()

    def _create(self, step: Step, props: dict[str, JSON]) -> None:
        provider = provider_for(step.type, self.providers)
        self.recorder.update(
            step.logical_id,
            ResourceState(step.type, "creating", None, props, {}, self._deps(step), step.physical_name),
        )
        self.recorder.commit()
        current = provider.create(self.ctx, step.logical_id, step.physical_name, props)
        self._record(step, current, props)

    def _apply(self, step: Step) -> Outcome:
        provider = provider_for(step.type, self.providers)
        if step.action == "delete":
            return self._delete(step)
        props = self._desired(step)
        if step.action == "create":
            self._create(step, props)
            return "created"
        entry = self.recorder.get(step.logical_id)
        if step.action == "replace":
            assert entry is not None and step.physical_id is not None
            provider.delete(self.ctx, step.physical_id, entry.properties)
            self._create(step, props)
            return "replaced"
        assert step.physical_id is not None
        old = entry.properties if entry is not None and entry.status == "ready" and not step.adopt else {}
        attributes = dict(step.found_attributes)
        if step.retag:
            provider.tag(self.ctx, Current(step.physical_id, attributes), self.ctx.tags)
            if step.changes == ("Tags",) and entry is not None:
                self._record(
                    step, Current(step.physical_id, attributes or entry.attributes), entry.properties
                )
                return "updated"
        if step.pending and old == props:
            if entry is not None:
                self._record(step, Current(step.physical_id, attributes or entry.attributes), props)
            return "unchanged"
        current = provider.update(self.ctx, Current(step.physical_id, attributes), old, props)
        self._record(step, current, props)
        return "updated"

    def _delete(self, step: Step) -> Outcome:
        entry = self.recorder.get(step.logical_id)
        if step.forget or entry is None:
            self.recorder.update(step.logical_id, None)
            self.recorder.commit()
            return "kept" if step.kept else "deleted"
        provider = provider_for(entry.type, self.providers)
        # A taggable resource was looked up (and its tags checked) by the plan: delete exactly that one.
        physical_id = step.physical_id if provider.taggable else entry.physical_id
        if physical_id is None and not provider.taggable:
            found = provider.find(self.ctx, step.logical_id, entry.physical_name, entry.properties, None)
            physical_id = found.physical_id if found else None
        if physical_id is not None:
            provider.delete(self.ctx, physical_id, entry.properties)
        self.recorder.update(step.logical_id, None)
        self.recorder.commit()
        return "deleted"


_VERBS = {"create": "creating", "update": "updating", "replace": "replacing", "delete": "deleting"}
