"""IAM denials, told where the developer looks: in the function's own log stream, with the fix.

The local cloud's IAM check (``cloud/iam``) hands every denial to ``DenialNotes.record`` while the
function's request is in flight. The note waits for that function's invocation to end and is written
into its logs just before ``END``, so it lands in the invocation's log stream, in ``squall logs``, in the
console's invocation record and, for a live function, in the dev session's view. It names the missing
action and what to write in ``squall.config.py``: the resource's construct id is its physical name less
the ``{app}-{stage}-`` prefix the function's own name carries.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from collections.abc import Mapping

from squall.cloud.iam.denials import Denial
from squall.runtime import InvocationResult

KEEP = 100
_NAME_AFTER = ("table/", "function:", ":parameter/", ":::")


def note(denial: Denial, environment: Mapping[str, str]) -> str:
    """The log line for ``denial`` of the function whose environment is ``environment``."""
    verb = "denied" if denial.enforced else "would deny (iam='warn')"
    text = f"[squall] IAM {verb} {denial.action} on {denial.resource}: {_hint(denial, environment)}"
    return text.replace("\n", " ")


def _hint(denial: Denial, environment: Mapping[str, str]) -> str:
    app, stage = environment.get("SQUALL_APP"), environment.get("SQUALL_STAGE")
    if not app or not stage:
        return f"the role {denial.role} does not allow it"
    prefix = f"{app}-{stage}-"
    function = denial.session.removeprefix(prefix)
    resource = _construct(denial.resource, prefix)
    if resource is None:
        return f"function {function}'s role does not allow it (bind the resource it uses to {function})"
    if f"SQUALL_RESOURCE_{resource}" in environment:
        return (
            f"function {function} is bound to {resource} without this access: "
            f'bind it with access="readwrite" (or the access that includes {denial.action})'
        )
    return f"add bind=[{resource}] to function {function} (or {function}.bind([{resource}]))"


def _construct(arn: str, prefix: str) -> str | None:
    """The construct id in a resource's ARN: ``{app}-{stage}-{id}``, a secret's ``/squall/{app}/{stage}/{id}``."""
    name = next((arn.split(m, 1)[1] for m in _NAME_AFTER if m in arn), arn.rsplit(":", 1)[-1])
    if name.startswith("squall/"):
        return name.rpartition("/")[2] or None
    name = name.split("/")[0].split(":")[0]
    if name.startswith(prefix) and len(name) > len(prefix):
        return name[len(prefix) :]
    return None


class DenialNotes:
    """Notes per function name, waiting for the end of its invocation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, deque[Denial]] = {}

    def record(self, denial: Denial) -> None:
        with self._lock:
            self._waiting.setdefault(denial.session, deque(maxlen=KEEP)).append(denial)

    def take(self, function: str) -> list[Denial]:
        with self._lock:
            found = self._waiting.pop(function, None)
        return list(found or ())

    def fold_into(
        self, function: str, environment: Mapping[str, str], result: InvocationResult
    ) -> tuple[InvocationResult, list[str]]:
        """``result`` with the notes of the denials ``function`` met before its ``END`` line, and the notes."""
        denials = self.take(function)
        if not denials:
            return result, []
        notes = [note(d, environment) for d in denials]
        lines = "".join(n + "\n" for n in notes)
        logs = result.logs
        at = logs.rfind("END RequestId:")
        logs = logs[:at] + lines + logs[at:] if at >= 0 else logs + lines
        events = list(result.log_events)
        if events:
            end = next(
                (i for i in range(len(events) - 1, -1, -1) if events[i][1].startswith("END RequestId:")), None
            )
            at_ms = events[end][0] if end is not None else events[-1][0]
            position = end if end is not None else len(events)
            events[position:position] = [(at_ms, text) for text in notes]
        return dataclasses.replace(result, logs=logs, log_events=tuple(events)), notes
