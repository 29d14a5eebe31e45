"""The deployer's programmatic API: ``deploy``, ``diff``, ``remove`` and ``outputs`` (``recovery`` has the ways
out: ``unlock`` and the state's versions).

``deploy`` runs the pipeline: build (package code, no cloud call) → lock the stage → plan (state + describe
calls) → execute (parallel, retried, recorded step by step, each change only while the lock is still this
run's) → outputs into the state → unlock. A plan with problems (resources that are not the stage's) is
never applied. Everything that talks to the outside comes in as arguments (clients, reporter, retrier,
builder), so tests can pass in-memory fakes; the CLI passes real clients and a live terminal view.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from squall.binding.secrets import Secrets
from squall.config.loader import Project
from squall.config.stage import check_stage
from squall.deploy.clients import Clients
from squall.deploy.errors import (
    DeployError,
    MissingSecret,
    NotOwned,
    TargetUnreachable,
    error_code,
    error_message,
)
from squall.deploy.execute import Executor
from squall.deploy.history import HistoryStore, Tally, recorded
from squall.deploy.intrinsics import UNKNOWN, Resolver, _Unknown, contains_unknown
from squall.deploy.lock import Holder, StageLock
from squall.deploy.packaging import Builder
from squall.deploy.plan import Planner
from squall.deploy.providers import ProviderContext
from squall.deploy.providers.base import not_owned_hint
from squall.deploy.removal import deletion_steps
from squall.deploy.retry import Retrier
from squall.deploy.state import State, StateRecorder, StateStore, stage_prefix, state_bucket
from squall.deploy.steps import Plan, Step
from squall.deploy.ui import NullReporter, Outcome, Reporter
from squall.graph.model import Graph
from squall.runtime.interpreters import find_interpreter, notice


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

    def __post_init__(self) -> None:
        check_stage(self.graph.stage, "the graph")

    @property
    def target(self) -> str:
        return self.clients.endpoint or f"AWS ({self.clients.region})"

    def connect(self) -> None:
        try:
            identity = self.retrier.call(self.clients("sts").get_caller_identity)
            self.account_id = str(identity["Account"])
        except (ClientError, BotoCoreError, TargetUnreachable) as exc:
            raise TargetUnreachable(
                f"cannot reach {self.target}: {error_message(exc.__cause__ or exc)}",
                hint="for AWS, check your credentials (aws sts get-caller-identity); "
                "for the local cloud, `squall cloud status`",
            ) from exc

    @property
    def bucket(self) -> str:
        return state_bucket(self.account_id, self.graph.region)

    def store(self) -> StateStore:
        return StateStore(
            self.clients("s3"),
            self.bucket,
            self.graph.app,
            self.graph.stage,
            self.graph.region,
            call=self.retrier.call,
        )

    def history(self) -> HistoryStore:
        return HistoryStore(
            self.clients("s3"), self.bucket, self.graph.app, self.graph.stage, call=self.retrier.call
        )

    def lock(self) -> StageLock:
        return StageLock(
            self.clients("s3"), self.bucket, self.graph.app, self.graph.stage, call=self.retrier.call
        )

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
            app=self.graph.app,
            stage=self.graph.stage,
        )


def missing_secrets(session: Session) -> list[str]:
    """The declared secrets with neither a value for the stage nor a fallback."""
    missing = []
    ssm = session.clients("ssm")
    for secret in session.graph.secrets:
        found = False
        for name in (secret.parameter, secret.fallback_parameter):
            try:
                session.retrier.call(ssm.get_parameter, Name=name)
                found = True
                break
            except ClientError as exc:
                if error_code(exc) != "ParameterNotFound":
                    raise
        if not found:
            missing.append(secret.name)
    return missing


def secret_problems(graph: Graph, missing: list[str]) -> list[str]:
    return [
        f"secret {name} has no value for stage {graph.stage} (nor a fallback): "
        f"`squall secret set {name} VALUE --stage {graph.stage}`"
        for name in missing
    ]


def check_secrets(session: Session) -> None:
    """Every declared secret has a value for the stage or a fallback, else a ``MissingSecret``."""
    graph = session.graph
    missing = missing_secrets(session)
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
    if clients.target == "local":
        _say_missing_interpreters(graph, reporter)
    artifacts = (builder or Builder(project.root)).build(graph, clients.target)
    code = {logical_id: artifact.sha256 for logical_id, artifact in artifacts.items()}
    by_sha = {artifact.sha256: artifact for artifact in artifacts.values()}
    session = Session(clients, graph, retrier or Retrier())
    session.connect()
    store = session.store()
    store.ensure_bucket()
    holder = Holder.me(command)
    with session.lock().held(holder, on_lost=reporter.note) as held:
        check_secrets(session)
        state = store.load()
        plan, ctx = _plan(session, state, code, by_sha, allow_replace)
        if plan.problems:
            raise not_owned(plan, ctx)
        reporter.plan_ready(plan)
        if confirm is not None and not plan.is_empty and not confirm(plan):
            return DeployResult(plan, {}, state.outputs, time.monotonic() - start, applied=False)
        tally = Tally(reporter)
        before = state.copy()
        recorder = StateRecorder(store, state)
        outcomes: dict[str, Outcome] = {}
        with recorded(session.history(), "deploy", holder, plan, tally, before, lambda: recorder.state):
            if not plan.is_empty:
                outcomes = Executor(ctx, recorder, tally, graph, code=code, guard=held.check).run(plan)
            outputs = resolve_outputs(graph, recorder.state, session.account_id)
            if outputs != state.outputs or not plan.is_empty or not state.resources:
                held.check()
                recorder.set_outputs(outputs)
                recorder.commit()
        return DeployResult(plan, outcomes, outputs, time.monotonic() - start)


def _say_missing_interpreters(graph: Graph, reporter: Reporter) -> None:
    """Once per runtime: which Python the local cloud uses for functions whose own is not installed."""
    runtimes = {
        str(r.properties.get("Runtime", "python3.12")) for r in graph.of_type("AWS::Lambda::Function")
    }
    for runtime in sorted(runtimes):
        interpreter = find_interpreter(runtime)
        if not interpreter.exact:
            reporter.note(notice(runtime, interpreter))


def not_owned(plan: Plan, ctx: ProviderContext) -> NotOwned:
    count = len(plan.problems)
    return NotOwned(
        f"{plan.app} stage {plan.stage}: nothing was changed, since {count} resource"
        f"{'s' if count != 1 else ''} with the stage's names {'are' if count != 1 else 'is'} "
        "not the stage's:\n  " + "\n  ".join(plan.problems),
        hint=not_owned_hint(ctx),
    )


def diff(
    project: Project, *, clients: Clients, allow_replace: bool = True, builder: Builder | None = None
) -> Plan:
    """The plan a deploy would apply now (nothing is changed, no lock is taken), with its problems:
    resources that are not the stage's, secrets that have no value."""
    graph = project.graph
    artifacts = (builder or Builder(project.root)).build(graph, clients.target)
    code = {logical_id: artifact.sha256 for logical_id, artifact in artifacts.items()}
    session = Session(clients, graph)
    session.connect()
    store = session.store()
    state = store.load() if store.exists() else State(graph.app, graph.stage, graph.region)
    plan, _ = _plan(session, state, code, {}, allow_replace)
    problems = (*plan.problems, *secret_problems(graph, missing_secrets(session)))
    return replace(plan, problems=problems)


def removal_plan(session: Session, state: State) -> Plan:
    graph = session.graph
    steps = deletion_steps(session.context(), state.resources)
    return Plan(graph.app, graph.stage, graph.target, session.account_id, tuple(steps))


@dataclass(frozen=True)
class Removal:
    """What a remove did: the plan it applied, the stage's secrets it deleted."""

    plan: Plan
    secrets: tuple[str, ...] = ()
    applied: bool = True

    @property
    def kept(self) -> list[Step]:
        return self.plan.kept


def remove(
    project: Project,
    *,
    clients: Clients,
    reporter: Reporter | None = None,
    retrier: Retrier | None = None,
    confirm: Callable[[Plan, list[str]], bool] | None = None,
    command: str | None = None,
    keep_secrets: bool = False,
) -> Removal:
    """Delete everything the stage owns, its secrets (unless ``keep_secrets``; never the fallbacks), then
    its state. ``confirm`` gets the plan and the secrets to delete."""
    reporter = reporter or NullReporter()
    graph = project.graph
    session = Session(clients, graph, retrier or Retrier())
    session.connect()
    secrets = Secrets(clients("ssm"), graph.app, graph.stage)
    names = [] if keep_secrets else secrets.stage_names()
    store = session.store()
    if not store.exists():
        plan = removal_plan(session, State(graph.app, graph.stage, graph.region))
        if names and confirm is not None and not confirm(plan, names):
            return Removal(plan, applied=False)
        secrets.remove_all(names)
        return Removal(plan, tuple(names))
    holder = Holder.me(command)
    with session.lock().held(holder, on_lost=reporter.note) as held:
        state = store.load()
        plan = removal_plan(session, state)
        reporter.plan_ready(plan)
        if confirm is not None and (names or not plan.is_empty) and not confirm(plan, names):
            return Removal(plan, applied=False)
        tally = Tally(reporter)
        before = state.copy()
        recorder = StateRecorder(store, state)
        with recorded(session.history(), "remove", holder, plan, tally, before, lambda: recorder.state):
            if not plan.is_empty:
                Executor(session.context(), recorder, tally, None, guard=held.check).run(plan)
        held.check()
        _delete_code(session)
        secrets.remove_all(names)
        store.delete()
        return Removal(plan, tuple(names))


def _delete_code(session: Session) -> None:
    s3 = session.clients("s3")
    prefix = stage_prefix(session.graph.app, session.graph.stage) + "code/"
    paginator = s3.get_paginator("list_object_versions")
    pages = session.retrier.call(lambda: list(paginator.paginate(Bucket=session.bucket, Prefix=prefix)))
    for page in pages:
        objects = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if objects:
            session.retrier.call(
                s3.delete_objects, Bucket=session.bucket, Delete={"Objects": objects, "Quiet": True}
            )


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
