"""``Bucket``: an S3 bucket, with notifications that invoke functions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from squall.constructs.base import Construct
from squall.constructs.binding import Access, BindsResources, statement
from squall.constructs.function import Function, FunctionDefinition
from squall.constructs.triggers import function_arn, invoke_permission, split_definition, trigger_function
from squall.errors import ConfigError
from squall.graph.naming import physical_name

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext

BucketEvent = Literal[
    "object_created",
    "object_created_put",
    "object_created_post",
    "object_created_copy",
    "object_created_complete_multipart_upload",
    "object_removed",
    "object_removed_delete",
    "object_removed_delete_marker_created",
]
S3_EVENTS: dict[str, str] = {
    "object_created": "s3:ObjectCreated:*",
    "object_created_put": "s3:ObjectCreated:Put",
    "object_created_post": "s3:ObjectCreated:Post",
    "object_created_copy": "s3:ObjectCreated:Copy",
    "object_created_complete_multipart_upload": "s3:ObjectCreated:CompleteMultipartUpload",
    "object_removed": "s3:ObjectRemoved:*",
    "object_removed_delete": "s3:ObjectRemoved:Delete",
    "object_removed_delete_marker_created": "s3:ObjectRemoved:DeleteMarkerCreated",
}
DEFAULT_EVENTS: tuple[BucketEvent, ...] = ("object_created", "object_removed")


class BucketFilter(TypedDict, total=False):
    prefix: str
    suffix: str


class BucketNotificationProps(TypedDict, total=False):
    function: FunctionDefinition
    events: Sequence[BucketEvent]
    filters: Sequence[BucketFilter]


class Bucket(Construct, BindsResources):
    """An S3 bucket; ``notifications`` maps a name to the function run on object events."""

    kind = "Bucket"

    def __init__(
        self,
        stack: Stack,
        id: str,
        *,
        notifications: Mapping[str, FunctionDefinition | BucketNotificationProps] | None = None,
    ) -> None:
        super().__init__(stack, id)
        self._init_binds()
        self._errors: list[ConfigError] = []
        self.notifications: dict[str, tuple[Function, dict[str, Any]]] = {}
        for name, definition in (notifications or {}).items():
            target, options = split_definition(definition)
            function = trigger_function(
                self,
                stack,
                f"{id}Notification{name}",
                target,
                owner=f"Bucket '{id}' notification '{name}'",
                errors=self._errors,
            )
            if function is not None:
                self.notifications[name] = (function, options)

    def bucket_name(self, ctx: SynthContext) -> str:
        return physical_name(ctx.app, ctx.stage, self.id, "s3_bucket")

    def arn(self, ctx: SynthContext) -> str:
        return f"arn:aws:s3:::{self.bucket_name(ctx)}"

    def validate(self) -> Iterator[ConfigError]:
        yield from super().validate()
        yield from self._errors
        for name, (_, options) in self.notifications.items():
            for event in options.get("events", DEFAULT_EVENTS):
                if event not in S3_EVENTS:
                    yield self.error(
                        f"notification {name!r}: unknown event {event!r}",
                        hint=f"use one of {', '.join(S3_EVENTS)}",
                    )
            for item in options.get("filters", ()):
                if not isinstance(item, Mapping):  # its keys are checked as every option's are
                    yield self.error(
                        f"notification {name!r}: bad filter {item!r}",
                        hint="use {'prefix': ...} or {'suffix': ...}",
                    )

    def synthesize(self, ctx: SynthContext) -> None:
        configurations = []
        for name, (function, options) in sorted(self.notifications.items()):
            rules = []
            for item in options.get("filters", ()):
                for key, value in item.items():
                    rules.append({"Name": key, "Value": value})
            for event in options.get("events", DEFAULT_EVENTS):
                configuration: dict[str, Any] = {
                    "Event": S3_EVENTS[event],
                    "Function": function_arn(function),
                }
                if rules:
                    configuration["Filter"] = {"S3Key": {"Rules": rules}}
                configurations.append(configuration)
            invoke_permission(
                ctx,
                f"{self.id}Notification{name}Permission",
                function,
                "s3.amazonaws.com",
                self.arn(ctx),
                self.id,
            )
        properties: dict[str, Any] = {"BucketName": self.bucket_name(ctx)}
        if configurations:
            properties["NotificationConfiguration"] = {"LambdaConfigurations": configurations}
        ctx.add("AWS::S3::Bucket", self.id, properties["BucketName"], properties, construct=self.id)

    def bind_metadata(self, ctx: SynthContext) -> dict[str, Any]:
        return {"bucketName": self.bucket_name(ctx), "arn": self.arn(ctx)}

    def bind_statements(self, ctx: SynthContext, access: Access) -> list[dict[str, Any]]:
        objects = f"{self.arn(ctx)}/*"
        statements = []
        if access in ("read", "readwrite"):
            statements.append(statement(["s3:GetObject"], [objects]))
            statements.append(statement(["s3:ListBucket"], [self.arn(ctx)]))
        if access in ("write", "readwrite"):
            statements.append(statement(["s3:DeleteObject", "s3:PutObject"], [objects]))
        return statements
