"""The IAM check every request signed by a role session passes, between the front door and the service.

The front door (``auth/gate.py``) says who signed a request. When that is a role session (a function
running with its role's credentials), ``Enforcer.check`` finds what the request asks (``requests.py``),
evaluates the role's identity-based policies (``policy.py``) and, unless every ask is allowed, answers
with the service's own refusal (``denials.py``). The account's root key (the developer, squall's
commands, the console) is not checked, as AWS does not check it.

Each app chooses with ``config()``'s ``"iam"``: ``"enforce"`` (the default), ``"warn"`` (a denial is
reported and the request goes on) or ``"off"``; deploy writes it on each function's role as the
``squall:iam`` tag. A denial is handed to the listeners plugins register (``Registry.on_denial``), which
put it in the function's log stream and the dev session's view.

Cheap by design: a role's policies are compiled once and kept until IAM changes (the mutation feed says
when), and decisions without conditions are kept per action and resource.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from squall.cloud.auth.keyring import Principal
from squall.cloud.iam import requests
from squall.cloud.iam.denials import Denial, response
from squall.cloud.iam.policy import Decision, Policy
from squall.cloud.iam.reference import Reference
from squall.cloud.plugins import CloudResponse

log = logging.getLogger(__name__)

Mode = Literal["enforce", "warn", "off"]
MODES: tuple[Mode, ...] = ("enforce", "warn", "off")
MODE_TAG = "squall:iam"
MAX_DECISIONS = 4096
DenialListener = Callable[[Denial], None]


class RoleFacts(Protocol):
    @property
    def arn(self) -> str: ...

    @property
    def documents(self) -> tuple[str, ...]: ...

    @property
    def tags(self) -> Mapping[str, str]: ...


class PolicySource(Protocol):
    """Where roles' policies come from (the local cloud's IAM state), and whether they may have changed."""

    def role(self, account_id: str, role_name: str) -> RoleFacts | None: ...

    def version(self) -> int: ...

    def changed_since(self, version: int) -> bool: ...


@dataclass
class _Role:
    arn: str
    policy: Policy
    mode: Mode
    version: int
    conditional: bool
    decisions: dict[tuple[str, str], Decision] = field(default_factory=dict)


class Enforcer:
    def __init__(
        self,
        reference: Callable[[], Reference],
        source: PolicySource,
        listeners: Sequence[DenialListener] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._load_reference = reference
        self._reference: Reference | None = None
        self._source = source
        self._listeners = listeners
        self._clock = clock
        self._roles: dict[tuple[str, str], _Role] = {}
        self._lock = threading.Lock()

    def reference(self) -> Reference:
        found = self._reference
        if found is None:
            with self._lock:
                if self._reference is None:
                    self._reference = self._load_reference()
                found = self._reference
        return found

    def check(
        self,
        principal: Principal | None,
        service: str,
        operation: str | None,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        region: str,
    ) -> CloudResponse | None:
        """None when the request may go on; otherwise the service's refusal."""
        if principal is None or principal.kind != "assumed-role":
            return None
        _, _, resource = principal.arn.partition(":assumed-role/")
        role_name, _, session = resource.partition("/")
        role = self._role(principal.account_id, role_name)
        if role.mode == "off":
            return None
        wanted = requests.asks(
            self.reference(),
            service,
            operation,
            method,
            path,
            query,
            headers,
            body,
            region,
            principal.account_id,
        )
        for ask in wanted:
            decision = self._decide(role, ask, principal, region)
            if decision == "allow":
                continue
            denial = Denial(
                principal.arn,
                role_name,
                session,
                ask.action,
                ask.resource,
                decision,
                role.mode == "enforce",
                service,
                region,
            )
            self._tell(denial)
            if denial.enforced:
                return response(denial, headers)
        return None

    def _decide(self, role: _Role, ask: requests.Ask, principal: Principal, region: str) -> Decision:
        key = (ask.action, ask.resource)
        if not role.conditional:
            known = role.decisions.get(key)
            if known is not None:
                return known
        decision = role.policy.decide(ask.action, ask.resource, self._context(role, principal, region))
        if not role.conditional:
            if len(role.decisions) >= MAX_DECISIONS:
                role.decisions.clear()
            role.decisions[key] = decision
        return decision

    def _context(self, role: _Role, principal: Principal, region: str) -> dict[str, Any]:
        now = self._clock()
        return {
            "aws:PrincipalArn": role.arn,
            "aws:PrincipalAccount": principal.account_id,
            "aws:PrincipalType": "AssumedRole",
            "aws:userid": principal.arn.rsplit("/", 1)[-1],
            "aws:RequestedRegion": region,
            "aws:SecureTransport": False,
            "aws:SourceIp": "127.0.0.1",
            "aws:CurrentTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "aws:EpochTime": str(int(now)),
        }

    def _role(self, account_id: str, role_name: str) -> _Role:
        key = (account_id, role_name)
        cached = self._roles.get(key)
        version = self._source.version()
        if cached is not None and (
            cached.version == version or not self._source.changed_since(cached.version)
        ):
            cached.version = version  # what happened since was no IAM change
            return cached
        facts = self._source.role(account_id, role_name)
        if facts is None:  # a session of a role since deleted: nothing allows anything
            role = _Role(f"arn:aws:iam::{account_id}:role/{role_name}", Policy([]), "enforce", version, False)
        else:
            policy = Policy.parse(facts.documents)
            mode = facts.tags.get(MODE_TAG, "enforce")
            role = _Role(
                facts.arn,
                policy,
                mode if mode in MODES else "enforce",
                version,
                any('"Condition"' in d for d in facts.documents),
            )
        with self._lock:
            self._roles[key] = role
        return role

    def _tell(self, denial: Denial) -> None:
        log.warning("IAM %s: %s", "denied" if denial.enforced else "would deny", denial.message())
        for listener in self._listeners:
            try:
                listener(denial)
            except Exception:
                log.exception("a denial listener failed")


class MotoPolicies:
    """``PolicySource`` over the local cloud's IAM state, read under its lock; IAM changes come from the
    mutation feed."""

    def __init__(self, cloud: Any) -> None:
        self._cloud = cloud

    def role(self, account_id: str, role_name: str) -> RoleFacts | None:
        with self._cloud.locked():
            found: RoleFacts | None = self._cloud.bridge.role_policies(account_id, role_name)
            return found

    def version(self) -> int:
        last: int = self._cloud.mutations.last
        return last

    def changed_since(self, version: int) -> bool:
        feed = self._cloud.mutations
        if feed.last == version:
            return False
        changes = feed.since(version)
        if not changes or changes[0].seq > version + 1:
            return True
        return any(change.service == "iam" for change in changes)
