"""SNS subscription filter policies, as the local cloud applies them.

moto matches filter policies itself (``MessageAttributes`` and ``MessageBody`` scopes: exact
strings and numbers, ``prefix``, ``suffix``, ``anything-but``, ``numeric`` ranges, ``exists``,
``equals-ignore-case``); SNS → SQS and SNS → Lambda deliveries both go through that matcher. This
function exposes the same matcher for callers that hold a policy and a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal


def policy_matches(
    policy: Mapping[str, Any],
    message: str = "",
    attributes: Mapping[str, Mapping[str, Any]] | None = None,
    scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes",
) -> bool:
    """Whether SNS delivers a message (attributes as ``{name: {"Type":..., "Value":...}}``)."""
    from moto.sns.utils import FilterPolicyMatcher

    matcher = FilterPolicyMatcher(dict(policy), scope)
    return bool(matcher.matches(dict(attributes or {}), message))
