"""Every moto name the local cloud patches, wraps or reads, with the signature it was written against.

The local cloud reaches into moto's models to make them behave like AWS (limits, S3 bodies on disk, event
delivery, speed). A moto release that renames one of those names, or changes its parameters, would quietly undo
a fix; ``broken()`` lists each mismatch, a unit test runs it against the installed moto, and
``pyproject.toml`` pins moto to the minor series these entries were written for. When moto is upgraded, this
table is what to re-check: a new entry for each new patch, an updated signature where a patch was adapted.

Instance attributes the patches read (``FakeKey._value_buffer``, ``Queue._messages``, ...) cannot be checked
without instances; the integration tests that run the patched paths cover them.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

Kind = Literal["function", "property", "class", "value"]


@dataclass(frozen=True)
class Expected:
    module: str
    name: str  # dotted inside the module: ``Class.method``
    kind: Kind
    params: tuple[str, ...] = ()  # for a function: its parameter names, in order
    used_by: str = ""  # the squall module that depends on it


def _fn(module: str, name: str, params: str, used_by: str) -> Expected:
    return Expected(module, name, "function", tuple(params.split()), used_by)


CONTRACT: tuple[Expected, ...] = (
    _fn("moto.awslambda.models", "LambdaFunction._invoke_lambda", "self event", "cloud/lambda_stub.py"),
    _fn("moto.dynamodb.models.dynamo_type", "DynamoType.size", "self", "cloud/moto_limits.py"),
    _fn(
        "moto.dynamodb.models.dynamo_type",
        "LimitedSizeDict.__setitem__",
        "self key value",
        "cloud/moto_limits.py",
    ),
    Expected("moto.dynamodb.responses", "TRANSACTION_MAX_ITEMS", "value", used_by="cloud/moto_limits.py"),
    Expected("moto.dynamodb.exceptions", "ItemSizeTooLarge", "class", used_by="cloud/moto_limits.py"),
    Expected("moto.s3.models", "FakeKey.value", "property", used_by="cloud/s3_values.py"),
    _fn("moto.s3.models", "FakeKey.__getstate__", "self", "cloud/s3_values.py"),
    _fn("moto.s3.models", "FakeKey.__setstate__", "self state", "cloud/s3_values.py"),
    _fn("moto.s3.models", "FakeMultipart.complete", "self body", "cloud/s3_values.py, cloud/s3_multipart.py"),
    _fn("moto.core.common_models", "BaseModel.__new__", "cls args kwargs", "cloud/speed.py"),
    _fn("moto.core.responses", "BaseResponse._get_param", "self param_name if_none", "cloud/speed.py"),
    _fn(
        "moto.sns.utils",
        "FilterPolicyMatcher.__init__",
        "self filter_policy filter_policy_scope",
        "events/filters.py",
    ),
    _fn(
        "moto.sns.utils",
        "FilterPolicyMatcher.matches",
        "self message_attributes message",
        "events/filters.py",
    ),
    _fn(
        "moto.awslambda.models",
        "LambdaBackend.create_event_source_mapping",
        "self spec",
        "events/moto_hooks.py",
    ),
    _fn(
        "moto.events.models",
        "EventsBackend.put_rule",
        "self name description event_bus_arn event_pattern role_arn scheduled_expression state managed_by tags",
        "events/moto_hooks.py",
    ),
    _fn("moto.s3.notifications", "send_event", "account_id event_name bucket key", "events/moto_hooks.py"),
    _fn(
        "moto.s3.notifications",
        "_invoke_awslambda",
        "account_id event_body fn_arn region_name",
        "events/moto_hooks.py",
    ),
    _fn(
        "moto.sns.models",
        "Subscription.publish",
        "self message message_id subject message_attributes group_id deduplication_id message_structure",
        "events/moto_hooks.py",
    ),
    _fn("moto.sqs.models", "Queue.delete_message", "self receipt_handle", "events/moto_speed.py"),
    Expected("moto.sqs.models", "Queue.messages", "property", used_by="events/moto_speed.py"),
    Expected(
        "moto.sqs.models",
        "Queue.approximate_number_of_messages_not_visible",
        "property",
        used_by="events/moto_speed.py",
    ),
    Expected(
        "moto.sqs.models",
        "Queue.approximate_number_of_messages_delayed",
        "property",
        used_by="events/moto_speed.py",
    ),
    Expected("moto.sqs.models", "Queue.attributes", "property", used_by="events/moto_speed.py"),
    _fn(
        "moto.sqs.models",
        "SQSBackend.send_message",
        "self queue_name message_body message_attributes delay_seconds deduplication_id group_id "
        "system_attributes validate_group_id",
        "events/moto_speed.py",
    ),
    _fn(
        "moto.sqs.models",
        "SQSBackend.is_message_valid_based_on_retention_period",
        "self queue_name message",
        "events/moto_speed.py",
    ),
    Expected("moto.sqs.exceptions", "ReceiptHandleIsInvalid", "class", used_by="events/moto_speed.py"),
    _fn("moto.core.utils", "unix_time", "dt", "events/moto_speed.py"),
    _fn("moto.core.utils", "unix_time_millis", "dt", "events/moto_speed.py"),
    _fn("moto.core.utils", "utcnow", "", "events/moto_hooks.py"),
    Expected(
        "moto.core.request", "PRESERVED_HEADER_NAMES_ENVIRON_KEY", "value", used_by="cloud/moto_bridge.py"
    ),
    _fn("moto.core.request", "environ_key_for_header", "header_name", "cloud/moto_bridge.py"),
    Expected("moto.core.request", "Request", "class", used_by="cloud/moto_bridge.py"),
    Expected("moto.core.base_backend", "BackendDict", "class", used_by="cloud/moto_bridge.py"),
    Expected("moto.core.models", "DEFAULT_ACCOUNT_ID", "value", used_by="cloud/moto_bridge.py"),
    Expected("moto.moto_api._internal", "mock_random", "value", used_by="cloud/core.py, cloud/s3_values.py"),
    Expected("moto.logs.models", "logs_backends", "value", used_by="cloud/builtins/log_retention.py"),
    Expected("moto.events.models", "events_backends", "value", used_by="events/schedules.py"),
    Expected("moto.awslambda.models", "lambda_backends", "value", used_by="events/mappings.py"),
    Expected("moto.dynamodb.models", "dynamodb_backends", "value", used_by="events/moto_hooks.py"),
    Expected("moto.dynamodb.models.table", "Table", "class", used_by="events/moto_hooks.py"),
    Expected("moto.apigatewayv2.models", "apigatewayv2_backends", "value", used_by="host/http_api.py"),
    _fn("moto.apigatewayv2.models", "Authorizer.to_json", "self", "cloud/builtins/apigw_authorizers.py"),
    Expected("moto.cognitoidp.models", "time", "value", used_by="cloud/clock.py"),
    Expected("moto.iam.models", "Role", "class", used_by="cloud/moto_bridge.py (role_policies)"),
    Expected("moto.iam.models", "ManagedPolicy", "class", used_by="cloud/moto_bridge.py (role_policies)"),
    Expected("moto.iam.models", "PolicyVersion", "class", used_by="cloud/moto_bridge.py (role_policies)"),
    Expected("moto.cognitoidp.models", "CognitoIdpBackend", "class", used_by="host/cognito_triggers.py"),
    Expected("moto.cognitoidp.models", "CognitoIdpUserPool", "class", used_by="host/authorization.py"),
)


def broken(
    contract: Iterable[Expected] = CONTRACT, load: Callable[[str], ModuleType] = importlib.import_module
) -> list[str]:
    """What in ``contract`` the installed moto no longer has as expected; empty when everything holds.

    Checks the *original* objects: run it before the local cloud installs its patches (a patched function has
    squall's own signature, which may differ on purpose)."""
    problems: list[str] = []
    for expected in contract:
        where = f"{expected.module}.{expected.name} (used by squall/{expected.used_by})"
        try:
            found: object = load(expected.module)
        except ImportError as exc:
            problems.append(f"{where}: module missing ({exc})")
            continue
        owner: object = found
        for part in expected.name.split("."):
            owner = found
            found = (
                inspect.getattr_static(owner, part, _MISSING)
                if isinstance(owner, type)
                else getattr(owner, part, _MISSING)
            )
            if found is _MISSING:
                break
        if found is _MISSING:
            problems.append(f"{where}: no longer exists")
            continue
        problem = _kind_problem(expected, found)
        if problem:
            problems.append(f"{where}: {problem}")
    return problems


_MISSING = object()


def _kind_problem(expected: Expected, found: object) -> str | None:
    if expected.kind == "property":
        return None if isinstance(found, property) else f"is a {type(found).__name__}, not a property"
    if expected.kind == "class":
        return None if isinstance(found, type) else f"is a {type(found).__name__}, not a class"
    if expected.kind == "value":
        return None
    function = found.__func__ if isinstance(found, staticmethod | classmethod) else found
    if not callable(function):
        return f"is a {type(found).__name__}, not a function"
    try:
        params = tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError) as exc:
        return f"has no readable signature ({exc})"
    if params != expected.params:
        return f"takes ({', '.join(params)}), the patch expects ({', '.join(expected.params)})"
    return None
