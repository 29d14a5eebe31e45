"""``Topic``: an SNS topic whose subscribers are functions or queues, with optional filter policies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypedDict, cast

from squall.constructs.base import Construct
from squall.constructs.binding import Access, BindsResources, statement
from squall.constructs.function import Function, FunctionDefinition
from squall.constructs.queue import Queue
from squall.constructs.triggers import function_arn, invoke_permission, trigger_function
from squall.errors import ConfigError
from squall.graph.model import get_att, ref, sub
from squall.graph.naming import physical_name

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext


class TopicSubscriberProps(TypedDict, total=False):
    function: FunctionDefinition
    queue: Queue
    filter_policy: Mapping[str, Any]


class Topic(Construct, BindsResources):
    """An SNS topic; ``subscribers`` maps a name to a function, a queue, or props with a filter policy."""

    kind = "Topic"

    def __init__(
        self,
        stack: Stack,
        id: str,
        *,
        subscribers: Mapping[str, FunctionDefinition | Queue | TopicSubscriberProps] | None = None,
    ) -> None:
        super().__init__(stack, id)
        self._init_binds()
        self._errors: list[ConfigError] = []
        self.subscribers: dict[str, tuple[Function | Queue, Mapping[str, Any] | None]] = {}
        for name, definition in (subscribers or {}).items():
            filter_policy: Mapping[str, Any] | None = None
            target: object = definition
            if isinstance(definition, Mapping) and ("function" in definition or "queue" in definition):
                filter_policy = cast("Mapping[str, Any] | None", definition.get("filter_policy"))
                target = definition.get("function", definition.get("queue"))
            if isinstance(target, Queue):
                self.subscribers[name] = (target, filter_policy)
                continue
            function = trigger_function(
                self,
                stack,
                f"{id}Subscriber{name}",
                target,
                owner=f"Topic '{id}' subscriber '{name}'",
                errors=self._errors,
            )
            if function is not None:
                self.subscribers[name] = (function, filter_policy)

    def topic_name(self, ctx: SynthContext) -> str:
        return physical_name(ctx.app, ctx.stage, self.id, "sns_topic")

    def arn(self, ctx: SynthContext) -> dict[str, str]:
        return sub(f"arn:aws:sns:{ctx.region}:${{AWS::AccountId}}:{self.topic_name(ctx)}")

    def validate(self) -> Iterator[ConfigError]:
        yield from super().validate()
        yield from self._errors
        for name, (_, policy) in self.subscribers.items():
            if policy is not None and not isinstance(policy, Mapping):
                yield self.error(f"subscriber {name!r}: filter_policy must be a dict, got {policy!r}")

    def synthesize(self, ctx: SynthContext) -> None:
        name = self.topic_name(ctx)
        ctx.add("AWS::SNS::Topic", self.id, name, {"TopicName": name}, construct=self.id)
        for sub_name, (target, policy) in sorted(self.subscribers.items()):
            properties: dict[str, Any] = {"TopicArn": ref(self.id)}
            if isinstance(target, Queue):
                properties.update(
                    Protocol="sqs", Endpoint=get_att(target.id, "Arn"), RawMessageDelivery=False
                )
                ctx.add(
                    "AWS::SQS::QueuePolicy",
                    f"{self.id}Subscriber{sub_name}QueuePolicy",
                    None,
                    {
                        "Queues": [get_att(target.id, "QueueUrl")],
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"Service": "sns.amazonaws.com"},
                                    "Action": "sqs:SendMessage",
                                    "Resource": get_att(target.id, "Arn"),
                                    "Condition": {"ArnEquals": {"aws:SourceArn": ref(self.id)}},
                                }
                            ],
                        },
                    },
                    construct=self.id,
                )
            else:
                properties.update(Protocol="lambda", Endpoint=function_arn(target))
                invoke_permission(
                    ctx,
                    f"{self.id}Subscriber{sub_name}Permission",
                    target,
                    "sns.amazonaws.com",
                    ref(self.id),
                    self.id,
                )
            if policy is not None:
                properties["FilterPolicy"] = dict(policy)
            ctx.add(
                "AWS::SNS::Subscription",
                f"{self.id}Subscriber{sub_name}Subscription",
                None,
                properties,
                construct=self.id,
            )

    def bind_metadata(self, ctx: SynthContext) -> dict[str, Any]:
        return {"topicName": self.topic_name(ctx), "topicArn": self.arn(ctx)}

    def bind_statements(self, ctx: SynthContext, access: Access) -> list[dict[str, Any]]:
        return [statement(["sns:Publish"], [self.arn(ctx)])] if access != "read" else []
