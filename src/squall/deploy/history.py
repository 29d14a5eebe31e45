"""The stage's deploy history: who deployed or removed it, when, with which command, and what changed.

One JSON object per app and stage, ``apps/{app}/{stage}/history.json`` next to ``state.json`` in the state
bucket, holding the newest ``KEEP`` entries, newest first. Like the state, it is written on condition that
it is still the version read (S3 ``If-Match`` / ``If-None-Match: *``); history only grows, so a writer that
loses the race reads again and adds its entry to what the other wrote. An entry lists each resource that
was created, updated, replaced or deleted, with the top-level properties that changed and their values
before and after (long values cut short). A deploy that fails is recorded too, with its error.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from squall.deploy.errors import DeployError, error_code
from squall.deploy.lock import Holder
from squall.deploy.state import State, stage_prefix
from squall.deploy.steps import Plan, Step
from squall.deploy.ui import Outcome, Reporter
from squall.errors import SquallError

KEEP = 100
MAX_VALUE = 400
"""A changed property's value longer than this (as JSON) is cut to this many characters."""
ATTEMPTS = 5
CONDITION_FAILED = ("PreconditionFailed", "412", "ConditionalRequestConflict", "409")
MISSING = ("NoSuchKey", "404", "NotFound")
Kind = Literal["deploy", "remove"]
Call = Callable[..., Any]


def _direct(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


def _bounded(value: Any) -> Any:
    text = json.dumps(value, default=str, sort_keys=True)
    return value if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


@dataclass(frozen=True)
class Change:
    logical_id: str
    type: str
    action: str
    """created, updated, replaced or deleted."""
    physical_name: str | None
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``{property: {"from": old, "to": new}}`` for each top-level property that changed."""

    def to_json(self) -> dict[str, Any]:
        return {
            "logicalId": self.logical_id,
            "type": self.type,
            "action": self.action,
            "physicalName": self.physical_name,
            "properties": self.properties,
        }


def changes_of(plan: Plan, outcomes: Mapping[str, str], before: State, after: State) -> list[Change]:
    """What a run changed: its plan's steps as they turned out, with each changed property's values."""
    changes: list[Change] = []
    for step in plan.steps:
        outcome = outcomes.get(step.logical_id)
        if outcome is None or outcome in ("unchanged", "kept"):
            continue
        old = before.resources.get(step.logical_id)
        new = after.resources.get(step.logical_id)
        old_props = old.properties if old is not None else {}
        new_props = new.properties if new is not None else {}
        names = sorted(set(old_props) | set(new_props)) if outcome in ("created", "deleted") else step.changes
        properties = {
            name: {"from": _bounded(old_props.get(name)), "to": _bounded(new_props.get(name))}
            for name in names
            if old_props.get(name) != new_props.get(name)
        }
        if outcome in ("created", "deleted"):
            properties = {}  # the whole resource came or went: its properties are not a diff to read
        changes.append(Change(step.logical_id, step.type, outcome, step.physical_name, properties))
    return changes


@dataclass(frozen=True)
class DeployEntry:
    kind: Kind
    command: str
    user: str
    host: str
    started: float
    duration: float
    changes: tuple[Change, ...]
    error: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.action] = counts.get(change.action, 0) + 1
        return {
            "id": self.id,
            "kind": self.kind,
            "command": self.command,
            "user": self.user,
            "host": self.host,
            "started": self.started,
            "duration": round(self.duration, 3),
            "status": "failed" if self.error else "succeeded",
            "error": self.error,
            "counts": counts,
            "changes": [c.to_json() for c in self.changes],
        }


class HistoryStore:
    """Reads and appends to a stage's ``history.json`` with conditional writes."""

    def __init__(self, s3: Any, bucket: str, app: str, stage: str, *, call: Call = _direct) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.key = stage_prefix(app, stage) + "history.json"
        self._call = call

    def _read(self) -> tuple[list[dict[str, Any]], str | None]:
        try:
            response = self._call(self.s3.get_object, Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            if error_code(exc) in (*MISSING, "NoSuchBucket"):
                return [], None
            raise
        try:
            document = json.loads(response["Body"].read())
            entries = document.get("deploys") if isinstance(document, dict) else None
        except ValueError:
            entries = None
        # A damaged history is started over rather than stopping deploys: it is a record, not state.
        return [e for e in entries or [] if isinstance(e, dict)], str(response["ETag"])

    def entries(self) -> list[dict[str, Any]]:
        """The recorded deploys and removes, newest first."""
        return self._read()[0]

    def append(self, entry: DeployEntry) -> None:
        for _ in range(ATTEMPTS):
            entries, etag = self._read()
            body = json.dumps({"deploys": [entry.to_json(), *entries][:KEEP]}, indent=1).encode()
            condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
            try:
                self._call(
                    self.s3.put_object,
                    Bucket=self.bucket,
                    Key=self.key,
                    Body=body,
                    ContentType="application/json",
                    **condition,
                )
                return
            except ClientError as exc:
                if error_code(exc) not in CONDITION_FAILED:
                    raise
                time.sleep(0.05)
        raise DeployError(f"s3://{self.bucket}/{self.key} kept changing; this run's entry was not added")


class Tally:
    """A reporter that passes everything on and remembers each step's outcome."""

    def __init__(self, inner: Reporter) -> None:
        self.inner = inner
        self.outcomes: dict[str, str] = {}

    def plan_ready(self, plan: Plan) -> None:
        self.inner.plan_ready(plan)

    def step_started(self, step: Step) -> None:
        self.inner.step_started(step)

    def step_finished(self, step: Step, outcome: Outcome, elapsed: float) -> None:
        self.outcomes[step.logical_id] = outcome
        self.inner.step_finished(step, outcome, elapsed)

    def step_failed(self, step: Step, error: SquallError, elapsed: float) -> None:
        self.inner.step_failed(step, error, elapsed)

    def note(self, message: str) -> None:
        self.inner.note(message)


@contextmanager
def recorded(
    store: HistoryStore,
    kind: Kind,
    holder: Holder,
    plan: Plan,
    tally: Tally,
    before: State,
    after: Callable[[], State],
) -> Iterator[None]:
    """Add the run inside the ``with`` to the history when it ends, failed or not.

    A history that cannot be written is noted, never fails the deploy it records.
    """
    started = time.time()
    error: str | None = None
    try:
        yield
    except BaseException as exc:
        error = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise
    finally:
        entry = DeployEntry(
            kind,
            holder.command,
            holder.user,
            holder.host,
            started,
            time.time() - started,
            tuple(changes_of(plan, tally.outcomes, before, after())),
            error,
        )
        try:
            store.append(entry)
        except (ClientError, BotoCoreError, DeployError) as exc:
            tally.note(f"the deploy history was not updated: {exc}")
