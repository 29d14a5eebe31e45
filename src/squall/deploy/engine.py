"""The deployer's programmatic API: ``deploy``, ``diff``, ``remove``, ``outputs`` and ``unlock``.

``deploy`` runs the pipeline: build (package code, no cloud call) → lock the stage → plan (state + describe
calls) → execute (parallel, retried, recorded step by step) → outputs into the state → unlock. Everything
that talks to the outside comes in as arguments (clients, reporter, retrier, builder), so tests can pass
in-memory fakes; the CLI passes real clients and a live terminal view.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from squall.config.loader import Project
from squall.deploy.clients import Clients
from squall.deploy.errors import DeployError, MissingSecret, TargetUnreachable, error_code, error_message
from squall.deploy.execute import Executor
from squall.deploy.intrinsics import UNKNOWN, Resolver, _Unknown, contains_unknown
from squall.deploy.lock import Holder, StageLock
from squall.deploy.packaging import Builder
from squall.deploy.plan import Plan, Planner, Step
from squall.deploy.providers import ProviderContext
from squall.deploy.retry import Retrier
from squall.deploy.state import State, StateRecorder, StateStore, stage_prefix, state_bucket
from squall.deploy.ui import NullReporter, Outcome, Reporter
from squall.graph.model import Graph


@dataclass(frozen=True)
class DeployResult:
    plan: Plan
    outcomes: dict[str, Outcome]
    outputs: dict[str, str]
    elapsed: float
    applied: bool = True
    """False when the confirmation was declined."""


@dataclass
class Session:
    """What one command needs to talk to the target about one stage."""

    clients: Clients
    graph: Graph
    retrier: Retrier = field(default_factory=Retrier)
    account_id: str = ""

    def connect(self) -> None:
        try:
            self.account_id = str(self.clients("sts").get_caller_identity()["Account"])
        except (ClientError, BotoCoreError) as exc:
            where = self.clients.endpoint or f"AWS ({self.clients.region})"
            raise TargetUnreachable(
                f"cannot reach {where}: {error_message(exc)}",
                hint="for AWS, check your credentials (aws sts get-caller-identity); "
                "for the local cloud, `squall cloud status`",
            ) from exc

    @property
    def bucket(self) -> str:
        return state_bucket(self.account_id, self.graph.region)

    def store(self) -> StateStore:
        return StateStore(
            self.clients("s3"), self.bucket, self.graph.app, self.graph.stage, self.graph.region
        )

    def lock(self) -> StageLock:
        return StageLock(self.clients("s3"), self.bucket, self.graph.app, self.graph.stage)

    def context(
        self, artifacts: dict[str, Any] | None = None, claimed: frozenset[str] = frozenset()
    ) -> ProviderContext:
        return ProviderContext(
            clients=self.clients,
            retrier=self.retrier,
            account_id=self.account_id,
            region=self.graph.region,
            artifacts=artifacts or {},
            claimed=claimed,
            code_bucket=self.bucket,
            code_prefix=stage_prefix(self.graph.app, self.graph.stage),
        )


def check_secrets(clients: Clients, graph: Graph) -> None:
    """Every declared secret has a value for the stage or a fallback, else a ``MissingSecret``."""
    missing = []
    ssm = clients("ssm")
    for secret in graph.secrets:
        found = False
        for name in (secret.parameter, secret.fallback_parameter):
            try:
                ssm.get_parameter(Name=name)
                found = True
                break
            except ClientError as exc:
                if error_code(exc) != "ParameterNotFound":
                    raise
        if not found:
            missing.append(secret.name)
    if missing:
        commands = "; ".join(f"squall secret set {name} VALUE --stage {graph.stage}" for name in missing)
        raise MissingSecret(
            f"secret{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"ha{'ve' if len(missing) > 1 else 's'} no value for stage {graph.stage} (nor a fallback)",
            hint=f"set {'them' if len(missing) > 1 else 'it'}: {commands}",
        )


def state_resolver(state: State, account_id: str, region: str) -> Resolver:
    """Resolves intrinsics against what the stage's state records (unknown: not deployed and ready)."""

    def lookup(logical_id: str, attribute: str) -> str | _Unknown:
        entry = state.resources.get(logical_id)
        if entry is None or entry.status != "ready":
            return UNKNOWN
        return entry.attributes.get(attribute, UNKNOWN)

    return Resolver(account_id, region, lookup)


def resolve_outputs(graph: Graph, state: State, account_id: str) -> dict[str, str]:
    resolver = state_resolver(state, account_id, graph.region)
    result: dict[str, str] = {}
    for name, value in sorted(graph.outputs.items()):
        resolved = resolver.resolve(value)
        if not contains_unknown(resolved):
            result[name] = resolved if isinstance(resolved, str) else str(resolved)
    return result


def _plan(
    session: Session, state: State, code: dict[str, str], artifacts: dict[str, Any], allow_replace: bool
) -> tuple[Plan, ProviderContext]:
    claimed = frozenset(e.physical_id for e in state.resources.values() if e.physical_id)
    ctx = session.context(artifacts, claimed)
    planner = Planner(ctx, session.graph, state, code=code, allow_replace=allow_replace)
    return planner.plan(), ctx


def deploy(
    project: Project,
    *,
    clients: Clients,
    reporter: Reporter | None = None,
    allow_replace: bool = False,
    retrier: Retrier | None = None,
    builder: Builder | None = None,
    confirm: Callable[[Plan], bool] | None = None,
    command: str | None = None,
) -> DeployResult:
    """Make the stage match the project's graph; ``confirm`` (if given) may decline the plan."""
    reporter = reporter or NullReporter()
    start = time.monotonic()
    graph = project.graph
    artifacts = (builder or Builder(project.root)).build(graph, clients.target)
    code = {logical_id: artifact.sha256 for logical_id, artifact in artifacts.items()}
    by_sha = {artifact.sha256: artifact for artifact in artifacts.values()}
    session = Session(clients, graph, retrier or Retrier())
    session.connect()
    store = session.store()
    store.ensure_bucket()
    lock = session.lock()
    lock.acquire(Holder.me(command))
    try:
        check_secrets(clients, graph)
        state = store.load()
        plan, ctx = _plan(session, state, code, by_sha, allow_replace)
        reporter.plan_ready(plan)
        if confirm is not None and not plan.is_empty and not confirm(plan):
            return DeployResult(plan, {}, state.outputs, time.monotonic() - start, applied=False)
        recorder = StateRecorder(store, state)
        outcomes: dict[str, Outcome] = {}
        if not plan.is_empty:
            outcomes = Executor(ctx, recorder, reporter, graph, code=code).run(plan)
        outputs = resolve_outputs(graph, recorder.state, session.account_id)
        if outputs != state.outputs or not plan.is_empty or not state.resources:
            recorder.set_outputs(outputs)
            recorder.commit()
        return DeployResult(plan, outcomes, outputs, time.monotonic() - start)
    finally:
        lock.release()


def diff(
    project: Project, *, clients: Clients, allow_replace: bool = True, builder: Builder | None = None
) -> Plan:
    """The plan a deploy would apply now (nothing is changed, no lock is taken)."""
    graph = project.graph
    artifacts = (builder or Builder(project.root)).build(graph, clients.target)
    code = {logical_id: artifact.sha256 for logical_id, artifact in artifacts.items()}
    session = Session(clients, graph)
    session.connect()
    store = session.store()
    state = store.load() if store.exists() else State(graph.app, graph.stage, graph.region)
    plan, _ = _plan(session, state, code, {}, allow_replace)
    return plan


def removal_plan(state: State, graph: Graph, account_id: str) -> Plan:
    steps = []
    for logical_id, entry in sorted(state.resources.items()):
        dependents = tuple(sorted(o for o, e in state.resources.items() if logical_id in e.depends_on))
        steps.append(
            Step(
                "delete",
                logical_id,
                entry.type,
                entry.physical_name,
                entry.physical_id,
                depends_on=dependents,
            )
        )
    return Plan(graph.app, graph.stage, graph.target, account_id, tuple(steps))


def remove(
    project: Project,
    *,
    clients: Clients,
    reporter: Reporter | None = None,
    retrier: Retrier | None = None,
    confirm: Callable[[Plan], bool] | None = None,
    command: str | None = None,
) -> Plan:
    """Delete everything the stage owns, then its state; the plan that was applied."""
    reporter = reporter or NullReporter()
    session = Session(clients, project.graph, retrier or Retrier())
    session.connect()
    store = session.store()
    if not store.exists():
        return removal_plan(
            State(project.graph.app, project.graph.stage, project.graph.region),
            project.graph,
            session.account_id,
        )
    lock = session.lock()
    lock.acquire(Holder.me(command))
    try:
        state = store.load()
        plan = removal_plan(state, project.graph, session.account_id)
        reporter.plan_ready(plan)
        if confirm is not None and not plan.is_empty and not confirm(plan):
            return plan
        recorder = StateRecorder(store, state)
        if not plan.is_empty:
            Executor(session.context(), recorder, reporter, None).run(plan)
        _delete_code(session)
        _delete_invocation_records(
            session, [step.physical_name for step in plan.steps if step.type == FUNCTION]
        )
        store.delete()
        return plan
    finally:
        lock.release()


FUNCTION = "AWS::Lambda::Function"


def _delete_invocation_records(session: Session, functions: list[str | None]) -> None:
    """The local cloud keeps each function's invocation records (for the console) in a shared log group,
    one stream per function: a removed stage's streams go with it."""
    from squall.console.records import INVOCATIONS_LOG_GROUP

    logs = session.clients("logs")
    for name in functions:
        if not name:
            continue
        try:
            logs.delete_log_stream(logGroupName=INVOCATIONS_LOG_GROUP, logStreamName=name)
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise


def _delete_code(session: Session) -> None:
    s3 = session.clients("s3")
    prefix = stage_prefix(session.graph.app, session.graph.stage) + "code/"
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=session.bucket, Prefix=prefix):
        objects = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if objects:
            s3.delete_objects(Bucket=session.bucket, Delete={"Objects": objects, "Quiet": True})


def outputs(project: Project, *, clients: Clients) -> dict[str, str]:
    """The outputs recorded by the stage's last deploy."""
    session = Session(clients, project.graph)
    session.connect()
    return dict(deployed_state(session).outputs)


def deployed_state(session: Session) -> State:
    """The stage's recorded state (``session`` connected); a DeployError when it was never deployed."""
    graph = session.graph
    store = session.store()
    state = store.load() if store.exists() else None
    if state is None or not state.resources:
        raise DeployError(
            f"{graph.app} stage {graph.stage} has not been deployed",
            hint=f"run `squall deploy --stage {graph.stage}`",
        )
    return state


def unlock(project: Project, *, clients: Clients) -> Holder | None:
    """Release the stage's deploy lock whoever holds it; the holder it had, if any."""
    session = Session(clients, project.graph)
    session.connect()
    if not session.store().exists():
        return None
    return session.lock().force_release()


def project_from(graph: Graph, root: Path) -> Project:
    """A ``Project`` for a graph built in code (tests, tools) rather than loaded from a config file."""
    from squall.app import App

    app = App(graph.app, graph.stage, graph.region, "aws" if graph.target == "aws" else "local", root=root)
    return Project(root, root / "squall.config.py", app, graph)
