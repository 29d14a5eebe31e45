"""The stage's functions and what triggers each, read from the resource graph alone (no cloud calls).

API routes are ``AWS::ApiGatewayV2::Route`` resources whose metadata names the function; queues and
streams are ``AWS::Lambda::EventSourceMapping``; schedules are ``AWS::Events::Rule`` targets; topics are
``AWS::SNS::Subscription`` endpoints; buckets list their functions in ``NotificationConfiguration``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from squall.graph.model import Graph, Resource, references

TriggerKind = Literal["api", "queue", "stream", "schedule", "topic", "bucket"]
SampleKind = Literal["api", "sqs", "s3", "sns", "schedule", "dynamodb", "empty"]

SAMPLE_FOR: dict[TriggerKind, SampleKind] = {
    "api": "api",
    "queue": "sqs",
    "stream": "dynamodb",
    "schedule": "schedule",
    "topic": "sns",
    "bucket": "s3",
}


@dataclass(frozen=True)
class Trigger:
    kind: TriggerKind
    label: str
    """What a person reads: ``GET /{code}``, ``queue Jobs``, ``rate(1 minute)``."""
    source: str
    """The logical id of the resource that triggers the function."""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "source": self.source, "detail": self.detail}


@dataclass(frozen=True)
class FunctionInfo:
    logical_id: str
    name: str
    """The physical function name, which is also its log stream in ``/squall/invocations``."""
    handler: str
    owner: str
    triggers: tuple[Trigger, ...]

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"

    @property
    def sample_kind(self) -> SampleKind:
        return SAMPLE_FOR[self.triggers[0].kind] if self.triggers else "empty"

    def to_json(self) -> dict[str, Any]:
        return {
            "logicalId": self.logical_id,
            "name": self.name,
            "handler": self.handler,
            "owner": self.owner,
            "triggers": [t.to_json() for t in self.triggers],
            "sampleKind": self.sample_kind,
        }


def _function_of(value: Any, functions: set[str]) -> str | None:
    for logical_id in references(value):
        if logical_id in functions:
            return logical_id
    return None


def _triggers(graph: Graph, functions: set[str]) -> dict[str, list[Trigger]]:
    found: dict[str, list[Trigger]] = {name: [] for name in functions}
    by_id = {r.logical_id: r for r in graph.resources}
    detail: dict[str, Any]
    for resource in graph.resources:
        props = resource.properties
        if resource.type == "AWS::ApiGatewayV2::Route":
            function = resource.metadata.get("function")
            if function in found:
                route = str(props.get("RouteKey", ""))
                method, _, path = route.partition(" ")
                detail = {"routeKey": route, "method": method, "path": path or route}
                found[function].append(Trigger("api", route, resource.construct, detail))
        elif resource.type == "AWS::Lambda::EventSourceMapping":
            function = _function_of(props.get("FunctionName"), functions)
            source_ids = list(references(props.get("EventSourceArn")))
            source = by_id.get(source_ids[0]) if source_ids else None
            if function and source is not None:
                _add_mapping(found[function], source)
        elif resource.type == "AWS::Events::Rule":
            for target in props.get("Targets") or []:
                function = _function_of(target.get("Arn"), functions)
                if function:
                    schedule = str(props.get("ScheduleExpression", ""))
                    detail = {"schedule": schedule, "rule": resource.physical_name}
                    found[function].append(Trigger("schedule", schedule, resource.logical_id, detail))
        elif resource.type == "AWS::SNS::Subscription":
            function = _function_of(props.get("Endpoint"), functions)
            topic_ids = list(references(props.get("TopicArn")))
            if function and topic_ids:
                topic = by_id.get(topic_ids[0])
                detail = {"topic": topic.physical_name if topic else topic_ids[0]}
                found[function].append(Trigger("topic", f"topic {topic_ids[0]}", topic_ids[0], detail))
        elif resource.type == "AWS::S3::Bucket":
            configurations = (props.get("NotificationConfiguration") or {}).get("LambdaConfigurations") or []
            events: dict[str, list[str]] = {}
            for configuration in configurations:
                function = _function_of(configuration.get("Function"), functions)
                if function:
                    events.setdefault(function, []).append(str(configuration.get("Event", "")))
            for function, names in events.items():
                detail = {"bucket": resource.physical_name, "events": names}
                label = f"bucket {resource.logical_id} ({', '.join(names)})"
                found[function].append(Trigger("bucket", label, resource.logical_id, detail))
    return found


def _add_mapping(triggers: list[Trigger], source: Resource) -> None:
    if source.type == "AWS::SQS::Queue":
        detail = {"queue": source.physical_name}
        triggers.append(Trigger("queue", f"queue {source.logical_id}", source.logical_id, detail))
    elif source.type == "AWS::DynamoDB::Table":
        detail = {"table": source.physical_name}
        triggers.append(Trigger("stream", f"stream of {source.logical_id}", source.logical_id, detail))


def stage_functions(graph: Graph) -> list[FunctionInfo]:
    """Every function of the stage with its triggers, in the graph's order."""
    lambdas = graph.of_type("AWS::Lambda::Function")
    triggers = _triggers(graph, {r.logical_id for r in lambdas})
    return [
        FunctionInfo(
            logical_id=r.logical_id,
            name=r.physical_name or str(r.properties.get("FunctionName", r.logical_id)),
            handler=str(r.metadata.get("handler") or r.properties.get("Handler", "")),
            owner=str(r.metadata.get("owner") or r.logical_id),
            triggers=tuple(triggers[r.logical_id]),
        )
        for r in lambdas
    ]
