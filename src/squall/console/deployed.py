"""What the stage has deployed, as opposed to what the local ``squall.config.py`` says: read from its state.

The console lists the functions the stage's state records (a function added to the config but not deployed
yet is not in the stage; one removed from the config but still deployed is), with the triggers the local
graph knows for them. ``DeployHistory`` reads the stage's ``history.json`` for the Deploys page. Queues and
their dead-letter queues are related from the graph's ``RedrivePolicy``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from squall.config.loader import Project
from squall.console.triggers import FunctionInfo
from squall.deploy.clients import Clients
from squall.deploy.engine import Session
from squall.deploy.state import State
from squall.errors import SquallError
from squall.graph.model import Graph, references

FUNCTION = "AWS::Lambda::Function"
QUEUE = "AWS::SQS::Queue"


class StageRecords:
    """The stage's state and deploy history, read through the deployer's own session."""

    def __init__(self, project: Project, clients: Clients) -> None:
        self._session = Session(clients, project.graph)
        self._connected = False

    def _connect(self) -> Session:
        if not self._connected:
            self._session.connect()
            self._connected = True
        return self._session

    def state(self) -> State | None:
        """The recorded state; None when the stage has none (never deployed) or it cannot be read."""
        try:
            session = self._connect()
            store = session.store()
            if not store.exists():
                return None
            state = store.load()
        except (SquallError, ClientError, BotoCoreError):
            return None
        return state if state.resources else None

    def history(self) -> list[dict[str, Any]]:
        session = self._connect()
        return session.history().entries()


def deployed_functions(configured: Sequence[FunctionInfo], state: State | None) -> list[FunctionInfo]:
    """The functions ``state`` records, with what ``configured`` knows of them; ``configured`` without a state."""
    if state is None:
        return list(configured)
    by_id = {f.logical_id: f for f in configured}
    out: list[FunctionInfo] = []
    for logical_id, entry in state.resources.items():
        if entry.type != FUNCTION:
            continue
        name = entry.physical_name or str(
            entry.properties.get("FunctionName") or entry.physical_id or logical_id
        )
        known = by_id.get(logical_id)
        handler = str(entry.properties.get("Handler") or "")
        if known is not None and known.name == name:
            # The handler as deployed, which may not be the config's yet (or any more).
            out.append(replace(known, handler=handler) if handler else known)
        else:
            out.append(
                FunctionInfo(logical_id, name, str(entry.properties.get("Handler", "")), logical_id, ())
            )
    order = {f.logical_id: index for index, f in enumerate(configured)}
    return sorted(out, key=lambda f: (order.get(f.logical_id, len(order)), f.logical_id))


def queue_relations(graph: Graph) -> dict[str, dict[str, str]]:
    """``{queue: {"dlq": its dead-letter queue}}`` and ``{dlq: {"dlqFor": the queue}}``, by logical id."""
    queues = {r.logical_id for r in graph.of_type(QUEUE)}
    relations: dict[str, dict[str, str]] = {}
    for resource in graph.of_type(QUEUE):
        policy = resource.properties.get("RedrivePolicy") or {}
        target = policy.get("deadLetterTargetArn") if isinstance(policy, dict) else None
        for dead in references(target):
            if dead in queues:
                relations.setdefault(resource.logical_id, {})["dlq"] = dead
                relations.setdefault(dead, {})["dlqFor"] = resource.logical_id
    return relations
