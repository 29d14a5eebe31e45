"""``Queue``: an SQS queue, optionally with a consumer function and a dead-letter queue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypedDict

from squall.constructs.base import Construct
from squall.constructs.binding import Access, BindsResources, statement
from squall.constructs.function import Function, FunctionDefinition
from squall.constructs.triggers import split_definition, trigger_function
from squall.errors import ConfigError
from squall.graph.model import get_att, ref, sub
from squall.graph.naming import physical_name

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext

SEND_ACTIONS = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]
RECEIVE_ACTIONS = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
]


class QueueConsumerProps(TypedDict, total=False):
    function: FunctionDefinition
    batch_size: int
    max_batching_window: int
    report_batch_item_failures: bool


class QueueDlqProps(TypedDict, total=False):
    queue: Queue
    max_receive_count: int


class Queue(Construct, BindsResources):
    """An SQS queue. ``consumer`` is the function its messages are delivered to, in batches."""

    kind = "Queue"

    def __init__(
        self,
        stack: Stack,
        id: str,
        *,
        consumer: FunctionDefinition | QueueConsumerProps | None = None,
        dlq: QueueDlqProps | None = None,
        visibility_timeout: int = 30,
        fifo: bool = False,
        retention_period: int | None = None,
    ) -> None:
        super().__init__(stack, id)
        self._init_binds()
        self._errors: list[ConfigError] = []
        self.dlq = dlq
        self.visibility_timeout = visibility_timeout
        self.fifo = fifo
        self.retention_period = retention_period
        self.consumer: Function | None = None
        self.consumer_options: dict[str, Any] = {}
        if consumer is not None:
            target, self.consumer_options = split_definition(consumer)
            self.consumer = trigger_function(
                self, stack, f"{id}Consumer", target, owner=f"Queue '{id}' consumer", errors=self._errors
            )
            if self.consumer is not None:
                self.consumer.extra_statements.append(
                    lambda ctx: [statement(RECEIVE_ACTIONS, [self.arn(ctx)])]
                )

    def queue_name(self, ctx: SynthContext) -> str:
        return physical_name(ctx.app, ctx.stage, self.id, "sqs_queue", suffix=".fifo" if self.fifo else "")

    def arn(self, ctx: SynthContext) -> dict[str, str]:
        return sub(f"arn:aws:sqs:{ctx.region}:${{AWS::AccountId}}:{self.queue_name(ctx)}")

    def validate(self) -> Iterator[ConfigError]:
        yield from super().validate()
        yield from self._errors
        if not isinstance(self.visibility_timeout, int) or not 0 <= self.visibility_timeout <= 43200:
            yield self.error(
                f"visibility_timeout {self.visibility_timeout!r} is out of range",
                hint="use 0 to 43200 seconds",
            )
        elif self.consumer is not None and self.visibility_timeout < self.consumer.timeout:
            yield self.error(
                f"visibility_timeout {self.visibility_timeout} is shorter than the consumer's timeout "
                f"({self.consumer.timeout} s)",
                hint="AWS requires visibility_timeout >= the consumer function's timeout",
            )
        batch = self.consumer_options.get("batch_size", 10)
        if not isinstance(batch, int) or not 1 <= batch <= 10000:
            yield self.error(f"consumer batch_size {batch!r} is out of range", hint="use 1 to 10000")
        if self.dlq is not None:
            queue = self.dlq.get("queue")
            if not isinstance(queue, Queue):
                yield self.error(f"dlq queue must be a Queue construct, got {queue!r}")
            count = self.dlq.get("max_receive_count", 3)
            if not isinstance(count, int) or not 1 <= count <= 1000:
                yield self.error(f"dlq max_receive_count {count!r} is out of range", hint="use 1 to 1000")

    def synthesize(self, ctx: SynthContext) -> None:
        properties: dict[str, Any] = {
            "QueueName": self.queue_name(ctx),
            "VisibilityTimeout": self.visibility_timeout,
        }
        if self.fifo:
            properties["FifoQueue"] = True
        if self.retention_period is not None:
            properties["MessageRetentionPeriod"] = self.retention_period
        if self.dlq is not None:
            dead = self.dlq["queue"]
            properties["RedrivePolicy"] = {
                "deadLetterTargetArn": get_att(dead.id, "Arn"),
                "maxReceiveCount": self.dlq.get("max_receive_count", 3),
            }
        ctx.add("AWS::SQS::Queue", self.id, properties["QueueName"], properties, construct=self.id)
        if self.consumer is not None:
            mapping: dict[str, Any] = {
                "EventSourceArn": get_att(self.id, "Arn"),
                "FunctionName": ref(self.consumer.logical_id),
                "BatchSize": self.consumer_options.get("batch_size", 10),
            }
            if "max_batching_window" in self.consumer_options:
                mapping["MaximumBatchingWindowInSeconds"] = self.consumer_options["max_batching_window"]
            if self.consumer_options.get("report_batch_item_failures", True):
                mapping["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
            ctx.add(
                "AWS::Lambda::EventSourceMapping",
                f"{self.id}ConsumerMapping",
                None,
                mapping,
                construct=self.id,
            )

    def bind_metadata(self, ctx: SynthContext) -> dict[str, Any]:
        return {
            "queueName": self.queue_name(ctx),
            "queueUrl": get_att(self.id, "QueueUrl"),
            "arn": self.arn(ctx),
        }

    def bind_statements(self, ctx: SynthContext, access: Access) -> list[dict[str, Any]]:
        actions = {
            "read": RECEIVE_ACTIONS,
            "write": SEND_ACTIONS,
            "readwrite": RECEIVE_ACTIONS + SEND_ACTIONS,
        }[access]
        return [statement(sorted(set(actions)), [self.arn(ctx)])]
