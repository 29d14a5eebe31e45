"""Lambda (REQUEST) authorizers of HTTP APIs, payload format 2.0, as API Gateway runs them.

The identity sources (``$request.header.X``, ``$request.querystring.X``, ``$context.X``,
``$stageVariables.X``) must all be present, else ``401`` without invoking anything. The function gets the
authorizer event (the route's event without body, plus ``type``, ``routeArn`` and ``identitySource``) and
answers either simply (``{"isAuthorized": bool, "context": {...}}``) or with an IAM policy
(``{"principalId": ..., "policyDocument": {...}, "context": {...}}``: allowed when a statement allows
``execute-api:Invoke`` on the route's ARN and none denies it). A refusal is ``403``; an error or an answer
that is neither is ``500``. With a TTL, the answer is kept per identity-source values for that long, so a
second request with the same identity does not run the function (a kept policy is judged again for each
route's ARN, as API Gateway does). The route's function sees the
context as ``requestContext.authorizer.lambda``.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from squall.host.jwt_authorizer import Verdict

MAX_CACHED = 10_000
"""Past this many kept answers, the expired ones are dropped."""

Invoke = Callable[[str, dict[str, Any]], tuple[Any, str | None]]
"""Run a function with an event: its payload and error type (None when it succeeded)."""


@dataclass(frozen=True)
class LambdaAuthorizerConfig:
    id: str
    name: str
    function: str
    identity_sources: tuple[str, ...]
    simple: bool
    ttl: int


def identity_values(sources: Sequence[str], event: Mapping[str, Any]) -> list[str] | None:
    """The value of each identity source in the route's event, or None when one is missing."""
    headers = event.get("headers") or {}
    query = event.get("queryStringParameters") or {}
    context = event.get("requestContext") or {}
    stage_variables = event.get("stageVariables") or {}
    values: list[str] = []
    for source in sources:
        value: Any = None
        if source.startswith("$request.header."):
            value = headers.get(source.removeprefix("$request.header.").lower())
        elif source.startswith("$request.querystring."):
            value = query.get(source.removeprefix("$request.querystring."))
        elif source.startswith("$context."):
            value = context
            for part in source.removeprefix("$context.").split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
        elif source.startswith("$stageVariables."):
            value = stage_variables.get(source.removeprefix("$stageVariables."))
        if value is None or value == "":
            return None
        values.append(str(value))
    return values


def authorizer_event(event: Mapping[str, Any], route_arn: str, identity: list[str]) -> dict[str, Any]:
    made = {key: value for key, value in event.items() if key not in ("body", "isBase64Encoded")}
    made["type"] = "REQUEST"
    made["routeArn"] = route_arn
    made["identitySource"] = identity
    made["requestContext"] = {k: v for k, v in event.get("requestContext", {}).items() if k != "authorizer"}
    return made


class LambdaAuthorizers:
    """Runs lambda authorizers and keeps their verdicts for their TTL (``clock`` passed in for tests)."""

    def __init__(self, invoke: Invoke, clock: Callable[[], float]) -> None:
        self._invoke = invoke
        self._clock = clock
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, Any]] = {}
        """(authorizer, identity) → (until when, the function's answer)."""
        self._lock = threading.Lock()

    def check(self, config: LambdaAuthorizerConfig, event: Mapping[str, Any], route_arn: str) -> Verdict:
        identity = identity_values(config.identity_sources, event)
        if identity is None:
            return Verdict(401, f"an identity source of {list(config.identity_sources)} is missing")
        key = (config.id, tuple(identity))
        now = self._clock()
        if config.ttl > 0:
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None and cached[0] > now:
                verdict = judge(cached[1], config.simple, route_arn)
                return Verdict(verdict.status, f"{verdict.reason} (cached)", verdict.context)
        try:
            payload, error = self._invoke(config.function, authorizer_event(event, route_arn, identity))
        except Exception as exc:  # the function is missing or cannot run: API Gateway answers 500
            return Verdict(500, f"the authorizer {config.function} could not run: {exc}")
        if error is not None:
            return Verdict(500, f"the authorizer {config.function} failed ({error})")
        verdict = judge(payload, config.simple, route_arn)
        if config.ttl > 0 and verdict.status in (200, 403):
            with self._lock:
                if len(self._cache) >= MAX_CACHED:
                    self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                self._cache[key] = (now + config.ttl, payload)
        return verdict

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


def judge(payload: Any, simple: bool, route_arn: str) -> Verdict:
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return Verdict(500, "the authorizer's answer is not JSON")
    if not isinstance(payload, Mapping):
        return Verdict(500, f"the authorizer's answer {payload!r} is not an object")
    context = payload.get("context")
    context = dict(context) if isinstance(context, Mapping) else {}
    if simple:
        allowed = payload.get("isAuthorized")
        if not isinstance(allowed, bool):
            return Verdict(500, "a simple response needs isAuthorized: true or false")
        if not allowed:
            return Verdict(403, "the authorizer said isAuthorized: false")
        return Verdict(200, "the authorizer allowed it", {"lambda": context})
    document = payload.get("policyDocument")
    if not isinstance(payload.get("principalId"), str) or not isinstance(document, Mapping):
        return Verdict(500, "an IAM response needs principalId and policyDocument")
    effect = _policy_effect(document, route_arn)
    if effect != "Allow":
        return Verdict(403, f"the authorizer's policy {'denies' if effect else 'does not allow'} {route_arn}")
    return Verdict(
        200, "the authorizer's policy allows it", {"lambda": context, "principalId": payload["principalId"]}
    )


def _policy_effect(document: Mapping[str, Any], route_arn: str) -> str | None:
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    effect: str | None = None
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, Mapping):
            continue
        actions = _listed(statement.get("Action"))
        resources = _listed(statement.get("Resource"))
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(route_arn, r) for r in resources):
            continue
        if statement.get("Effect") == "Deny":
            return "Deny"
        if statement.get("Effect") == "Allow":
            effect = "Allow"
    return effect


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []
