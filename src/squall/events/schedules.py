"""EventBridge schedule rules: fire their targets on time.

The scheduler reads the enabled schedule rules of every region from moto's events backends (under
the state lock), keeps each rule's next fire time, sleeps until the earliest one (or until any
EventBridge mutation, so PutRule/PutTargets/DisableRule/DeleteRule act at once) and fires due
rules: each Lambda target gets an asynchronous invocation with the "Scheduled Event" payload (or
the target's ``Input``), each SQS target a message. ``rate(...)`` counts from the rule's creation
(``moto_hooks`` stamps it); ``cron(...)`` is UTC. Fires missed while the cloud was down are not
replayed: after a start, the first fire is the next one after now.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from squall.cloud.plugins import CloudContext, Registry
from squall.events.calls import CallFailed, queue_url, sqs
from squall.events.delivery import Host, find_host, region_of
from squall.events.shapes import scheduled_event
from squall.schedule import next_fire

log = logging.getLogger(__name__)

MAX_SLEEP = 1.0
PREWARM = 10.0
"""Seconds before a fire when the targets' workers are started, so a cold start does not delay it."""
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Target:
    arn: str
    input: str | None
    input_path: str | None


@dataclass(frozen=True)
class ScheduleRule:
    arn: str
    region: str
    expression: str
    created: float
    targets: tuple[Target, ...]


def read_rules(ctx: CloudContext, first_seen: dict[str, float]) -> list[ScheduleRule]:
    """The enabled schedule rules of every loaded events backend."""
    from moto.events.models import events_backends

    rules: list[ScheduleRule] = []
    now = time.time()
    with ctx.locked():
        for _, regions in list(events_backends.items()):
            for region, backend in list(regions.items()):
                bus = backend.event_buses.get("default")
                for rule in list(bus.rules.values()) if bus is not None else []:
                    if rule.state != "ENABLED" or not rule.scheduled_expression:
                        continue
                    created = getattr(rule, "squall_created", None)
                    if created is None:
                        created = first_seen.setdefault(rule.arn, now)
                    targets = tuple(
                        Target(t["Arn"], t.get("Input"), t.get("InputPath")) for t in rule.targets
                    )
                    rules.append(ScheduleRule(rule.arn, region, rule.scheduled_expression, created, targets))
    return rules


def _utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC).replace(tzinfo=None)


def following(rule: ScheduleRule, after: float) -> float | None:
    """The rule's next fire strictly after ``after`` (POSIX seconds), or None."""
    try:
        fire = next_fire(rule.expression, _utc(after), _utc(rule.created))
    except ValueError:
        return None
    return None if fire is None else (fire - EPOCH).total_seconds()


def target_input(target: Target, event: dict[str, Any]) -> Any:
    """What a target receives: its constant ``Input``, the ``InputPath`` part, or the event."""
    if target.input is not None:
        return json.loads(target.input)
    if target.input_path and target.input_path != "$":
        value: Any = event
        for part in target.input_path.removeprefix("$.").split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value
    return event


class Scheduler:
    name = "events-schedules"

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._host: Host | None = None
        self._first_seen: dict[str, float] = {}
        self.fired: list[tuple[str, float, float]] = []
        """(rule ARN, scheduled, fired) for the last fires, newest last (for diagnostics)."""

    def run(self, ctx: CloudContext) -> None:
        self._host = find_host(self._registry)
        if self._host is not None:
            self._host.bind(ctx)
        plan: dict[str, tuple[ScheduleRule, float | None]] = {}
        warmed: set[tuple[str, float]] = set()
        seen = ctx.mutations.last
        while not ctx.stopping.is_set():
            rules = {rule.arn: rule for rule in read_rules(ctx, self._first_seen)}
            now = time.time()
            for arn in list(plan):
                if arn not in rules:
                    del plan[arn]
            for arn, rule in rules.items():
                known = plan.get(arn)
                if known is None or (known[0].expression, known[0].created) != (
                    rule.expression,
                    rule.created,
                ):
                    plan[arn] = (rule, following(rule, now))
                else:
                    plan[arn] = (rule, known[1])
            for arn, (rule, at) in list(plan.items()):
                if at is not None and at <= now:
                    self._fire(ctx, rule, at)
                    plan[arn] = (rule, following(rule, max(at, time.time() - 0.5)))
            for arn, (rule, at) in plan.items():
                if at is not None and at - time.time() < PREWARM and (arn, at) not in warmed:
                    warmed.add((arn, at))
                    self._prewarm(rule)
            warmed = {(arn, at) for arn, at in warmed if plan.get(arn, (None, None))[1] == at}
            upcoming = [at for _, at in plan.values() if at is not None]
            sleep = min([MAX_SLEEP, *(at - time.time() for at in upcoming)])
            seen = self._sleep(ctx, seen, sleep)

    def _sleep(self, ctx: CloudContext, seen: int, timeout: float) -> int:
        deadline = time.monotonic() + max(0.0, timeout)
        while not ctx.stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            last = ctx.mutations.wait(seen, remaining)
            changed = any(m.service == "events" for m in ctx.mutations.since(seen))
            seen = last
            if changed:
                break
        return seen

    def _prewarm(self, rule: ScheduleRule) -> None:
        host = self._host
        if host is None:
            return
        functions = [t.arn for t in rule.targets if ":lambda:" in t.arn]

        def warm() -> None:
            for arn in functions:
                try:
                    _, pool = host.pool(arn, region_of(arn))
                    pool.prewarm(1)
                except Exception:
                    log.debug("could not prewarm %s", arn, exc_info=True)

        if functions:
            threading.Thread(target=warm, name="schedule-prewarm", daemon=True).start()

    def _fire(self, ctx: CloudContext, rule: ScheduleRule, at: float) -> None:
        event = scheduled_event(rule.arn, _utc(at))
        self.fired = [*self.fired[-99:], (rule.arn, at, time.time())]
        for target in rule.targets:
            payload = target_input(target, event)
            try:
                if ":lambda:" in target.arn:
                    if self._host is None:
                        log.warning("no function host: schedule %s did not run %s", rule.arn, target.arn)
                        continue
                    self._host.invoke_async(target.arn, region_of(target.arn), payload)
                elif ":sqs:" in target.arn:
                    document = {"QueueUrl": queue_url(ctx, target.arn), "MessageBody": json.dumps(payload)}
                    sqs(ctx, "SendMessage", region_of(target.arn), document)
                else:
                    log.warning(
                        "schedule %s: targets like %s are not delivered locally", rule.arn, target.arn
                    )
            except (CallFailed, Exception):
                log.exception("schedule %s could not deliver to %s", rule.arn, target.arn)
