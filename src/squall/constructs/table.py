"""``Table``: a DynamoDB table (on-demand), with global indexes and an optional stream with consumers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict

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

FieldType = Literal["string", "number", "binary"]
StreamView = Literal["new_image", "old_image", "new_and_old_images", "keys_only"]
ATTRIBUTE_TYPES: dict[str, str] = {"string": "S", "number": "N", "binary": "B"}
STREAM_VIEWS: dict[str, str] = {
    "new_image": "NEW_IMAGE",
    "old_image": "OLD_IMAGE",
    "new_and_old_images": "NEW_AND_OLD_IMAGES",
    "keys_only": "KEYS_ONLY",
}

READ_ACTIONS = [
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
]
WRITE_ACTIONS = [
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
]
STREAM_ACTIONS = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
]


class TablePrimaryIndex(TypedDict, total=False):
    partition_key: str
    sort_key: str


class TableGlobalIndex(TypedDict, total=False):
    partition_key: str
    sort_key: str
    projection: Literal["all", "keys_only"] | Sequence[str]


class TableConsumerProps(TypedDict, total=False):
    function: FunctionDefinition
    batch_size: int
    starting_position: Literal["LATEST", "TRIM_HORIZON"]


class Table(Construct, BindsResources):
    """A DynamoDB table. ``fields`` declares the attributes used by keys and indexes."""

    kind = "Table"

    def __init__(
        self,
        stack: Stack,
        id: str,
        *,
        fields: Mapping[str, FieldType],
        primary_index: TablePrimaryIndex,
        global_indexes: Mapping[str, TableGlobalIndex] | None = None,
        stream: bool | StreamView = False,
        consumers: Mapping[str, FunctionDefinition | TableConsumerProps] | None = None,
        time_to_live_attribute: str | None = None,
    ) -> None:
        super().__init__(stack, id)
        self._init_binds()
        self.fields = dict(fields)
        self.primary_index = primary_index
        self.global_indexes = dict(global_indexes or {})
        self.stream = stream
        self.time_to_live_attribute = time_to_live_attribute
        self._errors: list[ConfigError] = []
        self.consumers: dict[str, tuple[Function, dict[str, Any]]] = {}
        for name, definition in (consumers or {}).items():
            target, options = split_definition(definition)
            function = trigger_function(
                self,
                stack,
                f"{id}Consumer{name}",
                target,
                owner=f"Table '{id}' consumer '{name}'",
                errors=self._errors,
            )
            if function is not None:
                function.extra_statements.append(self._stream_statements)
                self.consumers[name] = (function, options)

    def table_name(self, ctx: SynthContext) -> str:
        return physical_name(ctx.app, ctx.stage, self.id, "dynamodb_table")

    def arn(self, ctx: SynthContext) -> dict[str, str]:
        return sub(f"arn:aws:dynamodb:{ctx.region}:${{AWS::AccountId}}:table/{self.table_name(ctx)}")

    def _stream_statements(self, ctx: SynthContext) -> list[dict[str, Any]]:
        base = self.arn(ctx)["Fn::Sub"]
        return [statement(STREAM_ACTIONS, [sub(f"{base}/stream/*")])]

    def _check_key(self, where: str, key: object) -> Iterator[ConfigError]:
        if not isinstance(key, str) or key not in self.fields:
            declared = ", ".join(sorted(self.fields)) or "none"
            yield self.error(
                f"{where} uses field {key!r}, which is not declared in fields",
                hint=f"declare it in fields=... (declared: {declared})",
            )

    def validate(self) -> Iterator[ConfigError]:
        yield from super().validate()
        yield from self._errors
        for name, type_ in self.fields.items():
            if type_ not in ATTRIBUTE_TYPES:
                yield self.error(
                    f"field {name!r} has unknown type {type_!r}", hint="use 'string', 'number' or 'binary'"
                )
        if not isinstance(self.primary_index, Mapping) or "partition_key" not in self.primary_index:
            yield self.error("primary_index needs a 'partition_key'")
        else:
            yield from self._check_key("primary_index partition_key", self.primary_index["partition_key"])
            if "sort_key" in self.primary_index:
                yield from self._check_key("primary_index sort_key", self.primary_index["sort_key"])
        for name, index in self.global_indexes.items():
            if "partition_key" not in index:
                yield self.error(f"global index {name!r} needs a 'partition_key'")
                continue
            yield from self._check_key(f"global index {name!r} partition_key", index["partition_key"])
            if "sort_key" in index:
                yield from self._check_key(f"global index {name!r} sort_key", index["sort_key"])
        if self.stream is not False and self.stream is not True and self.stream not in STREAM_VIEWS:
            yield self.error(
                f"unknown stream view {self.stream!r}", hint=f"use True or one of {', '.join(STREAM_VIEWS)}"
            )
        if self.consumers and not self.stream:
            yield self.error(
                "consumers need a stream", hint="add stream=True (or a view such as 'new_image')"
            )

    def synthesize(self, ctx: SynthContext) -> None:
        keys: list[str] = [self.primary_index["partition_key"]]
        schema = [{"AttributeName": self.primary_index["partition_key"], "KeyType": "HASH"}]
        if "sort_key" in self.primary_index:
            keys.append(self.primary_index["sort_key"])
            schema.append({"AttributeName": self.primary_index["sort_key"], "KeyType": "RANGE"})
        properties: dict[str, Any] = {
            "TableName": self.table_name(ctx),
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": schema,
        }
        indexes = []
        for name, index in sorted(self.global_indexes.items()):
            index_schema = [{"AttributeName": index["partition_key"], "KeyType": "HASH"}]
            keys.append(index["partition_key"])
            if "sort_key" in index:
                index_schema.append({"AttributeName": index["sort_key"], "KeyType": "RANGE"})
                keys.append(index["sort_key"])
            projection = index.get("projection", "all")
            if projection == "all":
                projected: dict[str, Any] = {"ProjectionType": "ALL"}
            elif projection == "keys_only":
                projected = {"ProjectionType": "KEYS_ONLY"}
            else:
                projected = {"ProjectionType": "INCLUDE", "NonKeyAttributes": sorted(projection)}
            indexes.append({"IndexName": name, "KeySchema": index_schema, "Projection": projected})
        if indexes:
            properties["GlobalSecondaryIndexes"] = indexes
        properties["AttributeDefinitions"] = [
            {"AttributeName": key, "AttributeType": ATTRIBUTE_TYPES[self.fields[key]]}
            for key in sorted(set(keys))
        ]
        if self.stream:
            view = "new_and_old_images" if self.stream is True else self.stream
            properties["StreamSpecification"] = {"StreamViewType": STREAM_VIEWS[view]}
        if self.time_to_live_attribute:
            properties["TimeToLiveSpecification"] = {
                "AttributeName": self.time_to_live_attribute,
                "Enabled": True,
            }
        ctx.add("AWS::DynamoDB::Table", self.id, properties["TableName"], properties, construct=self.id)
        for name, (function, options) in sorted(self.consumers.items()):
            ctx.add(
                "AWS::Lambda::EventSourceMapping",
                f"{self.id}Consumer{name}Mapping",
                None,
                {
                    "EventSourceArn": get_att(self.id, "StreamArn"),
                    "FunctionName": ref(function.logical_id),
                    "StartingPosition": options.get("starting_position", "LATEST"),
                    "BatchSize": options.get("batch_size", 100),
                },
                construct=self.id,
            )

    def bind_metadata(self, ctx: SynthContext) -> dict[str, Any]:
        # The key schema lets Resource.<id>.query() know which attributes a partition and sort apply to.
        metadata: dict[str, Any] = {
            "tableName": self.table_name(ctx),
            "arn": self.arn(ctx),
            "key": self.key_names(),
        }
        if self.global_indexes:
            metadata["indexes"] = {name: self.key_names(name) for name in sorted(self.global_indexes)}
        return metadata

    def key_names(self, index: str | None = None) -> list[str]:
        """The partition key's name, then the sort key's if there is one (of the table, or of ``index``)."""
        keys = self.primary_index if index is None else self.global_indexes[index]
        return [keys[name] for name in ("partition_key", "sort_key") if name in keys]

    def bind_statements(self, ctx: SynthContext, access: Access) -> list[dict[str, Any]]:
        actions = {"read": READ_ACTIONS, "write": WRITE_ACTIONS, "readwrite": READ_ACTIONS + WRITE_ACTIONS}[
            access
        ]
        base = self.arn(ctx)["Fn::Sub"]
        return [statement(sorted(set(actions)), [self.arn(ctx), sub(f"{base}/index/*")])]
