"""Shared by constructs that invoke functions (a queue's consumer, a cron's job, a topic's subscribers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from squall.constructs.binding import BindsResources
from squall.constructs.function import Function, FunctionProps, function_from
from squall.errors import ConfigError
from squall.graph.model import get_att, ref

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext


def split_definition(definition: object) -> tuple[object, dict[str, Any]]:
    """``{"function": f, "batch_size": 5}`` → ``(f, {"batch_size": 5})``; anything else is the function."""
    if isinstance(definition, Mapping) and "function" in definition:
        extra = {k: v for k, v in definition.items() if k != "function"}
        return definition["function"], extra
    return definition, {}


def trigger_function(
    parent: BindsResources,
    stack: Stack,
    id: str,
    definition: object,
    *,
    owner: str,
    errors: list[ConfigError],
    defaults: FunctionProps | None = None,
) -> Function | None:
    """Make (or reuse) the function a trigger invokes; ``parent.bind`` then applies to it too."""
    made = function_from(stack, id, definition, owner=owner, defaults=defaults)
    if isinstance(made, ConfigError):
        errors.append(made)
        return None
    made.inherited_binds.append(parent)
    return made


def invoke_permission(
    ctx: SynthContext, logical_id: str, function: Function, principal: str, source_arn: Any, construct: str
) -> None:
    ctx.add(
        "AWS::Lambda::Permission",
        logical_id,
        None,
        {
            "FunctionName": ref(function.logical_id),
            "Action": "lambda:InvokeFunction",
            "Principal": principal,
            "SourceArn": source_arn,
            # The confused-deputy guard: an S3 ARN names no account, so without this any account's
            # bucket of that name could invoke the function.
            "SourceAccount": {"Ref": "AWS::AccountId"},
        },
        construct=construct,
    )


def function_arn(function: Function) -> dict[str, list[str]]:
    return get_att(function.logical_id, "Arn")
