"""``Cron``: an EventBridge schedule rule that runs a function."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, TypedDict

from squall.constructs.base import Construct
from squall.constructs.binding import BindsResources
from squall.constructs.function import Function, FunctionDefinition
from squall.constructs.triggers import function_arn, invoke_permission, split_definition, trigger_function
from squall.errors import ConfigError
from squall.graph.model import get_att
from squall.graph.naming import physical_name
from squall.schedule import schedule_problem

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext


class CronJobProps(TypedDict, total=False):
    function: FunctionDefinition


class Cron(Construct, BindsResources):
    """Runs ``job`` on ``schedule`` (``rate(5 minutes)`` or ``cron(0 12 * * ? *)``, UTC)."""

    kind = "Cron"

    def __init__(
        self,
        stack: Stack,
        id: str,
        *,
        schedule: str,
        job: FunctionDefinition | CronJobProps,
        enabled: bool = True,
    ) -> None:
        super().__init__(stack, id)
        self._init_binds()
        self.schedule = schedule
        self.enabled = enabled
        self._errors: list[ConfigError] = []
        target, _ = split_definition(job)
        self.job: Function | None = trigger_function(
            self, stack, f"{id}Job", target, owner=f"Cron '{id}' job", errors=self._errors
        )

    def validate(self) -> Iterator[ConfigError]:
        yield from super().validate()
        yield from self._errors
        problem = schedule_problem(self.schedule)
        if problem:
            yield self.error(f"bad schedule expression {self.schedule!r}: {problem}")

    def synthesize(self, ctx: SynthContext) -> None:
        assert self.job is not None
        name = physical_name(ctx.app, ctx.stage, self.id, "events_rule")
        ctx.add(
            "AWS::Events::Rule",
            self.id,
            name,
            {
                "Name": name,
                "ScheduleExpression": self.schedule,
                "State": "ENABLED" if self.enabled else "DISABLED",
                "Targets": [{"Id": "job", "Arn": function_arn(self.job)}],
            },
            construct=self.id,
        )
        invoke_permission(
            ctx, f"{self.id}JobPermission", self.job, "events.amazonaws.com", get_att(self.id, "Arn"), self.id
        )
