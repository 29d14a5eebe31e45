"""The plan: what a deploy will change, as plain data, computed with read-only calls.

``Planner`` walks the graph in dependency order, level by level (reads of one level run in parallel). For
each resource it resolves the properties with what is known so far, asks its provider to find the resource
(by the id in the state, else by its name or natural key) and compares the properties with those last
applied: nothing to do, ``update`` in place, ``replace`` (refused for data-holding resources unless
allowed) or ``create``. A resource that exists but is missing from the state (a deploy killed between a
create and its record) is adopted: updated in place to the desired properties, but only when it carries
the stage's tags (``ownership.py``); one that is another stage's, or untagged, is a problem of the plan,
and a plan with problems is never applied. A recorded resource that lost its tags (or was made before squall
tagged what it makes) gets them back. Resources in the state but no longer in the graph are deleted,
dependents first (``removal.py``: only those that are the stage's).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from squall.deploy.errors import ReplaceRefused, cloud_error
from squall.deploy.intrinsics import UNKNOWN, Resolver, _Unknown, contains_unknown
from squall.deploy.ownership import Owner
from squall.deploy.providers import Current, Provider, ProviderContext, provider_for
from squall.deploy.state import State
from squall.graph.model import Graph, Resource, references

JSON = Any
Action = Literal["create", "update", "replace", "delete"]


@dataclass(frozen=True)
class Step:
    """One change to one resource."""

    action: Action
    logical_id: str
    type: str
    physical_name: str | None = None
    physical_id: str | None = None
    changes: tuple[str, ...] = ()
    """Top-level properties that change (for ``replace``: those that force it)."""
    depends_on: tuple[str, ...] = ()
    """Logical ids of the steps this one waits for."""
    adopt: bool = False
    """The resource exists but the state did not know it."""
    pending: bool = False
    """Some properties are known only after earlier steps; it may turn out unchanged."""
    found_attributes: tuple[tuple[str, str], ...] = ()
    forget: bool = False
    """Only drop it from the state: another resource took over what it recorded, or it is not the stage's."""
    kept: str | None = None
    """Why a delete leaves the resource in place (it is not the stage's): shown to the user."""
    retag: bool = False
    """The resource lacks the stage's tags (recorded before squall tagged what it made): add them."""

    def describe(self) -> str:
        name = self.physical_name or self.physical_id or ""
        return f"{self.logical_id} ({name})" if name else self.logical_id

    def to_json(self) -> dict[str, JSON]:
        return {
            "action": self.action,
            "logical_id": self.logical_id,
            "type": self.type,
            "physical_name": self.physical_name,
            "physical_id": self.physical_id,
            "changes": list(self.changes),
            "depends_on": list(self.depends_on),
            "adopt": self.adopt,
            "pending": self.pending,
            "kept": self.kept,
            "retag": self.retag,
        }


@dataclass(frozen=True)
class Plan:
    app: str
    stage: str
    target: str
    account_id: str
    steps: tuple[Step, ...]
    unchanged: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    """What stops this plan from being applied (resources that are not the stage's, missing secrets)."""

    @property
    def is_empty(self) -> bool:
        return not self.steps

    @property
    def kept(self) -> list[Step]:
        """The deletes that leave a resource in place because it is not the stage's."""
        return [s for s in self.steps if s.kept]

    def step(self, logical_id: str) -> Step:
        return next(s for s in self.steps if s.logical_id == logical_id)

    def actions(self) -> dict[str, str]:
        return {s.logical_id: s.action for s in self.steps}

    def to_json(self) -> dict[str, JSON]:
        return {
            "app": self.app,
            "stage": self.stage,
            "target": self.target,
            "steps": [s.to_json() for s in self.steps],
            "unchanged": list(self.unchanged),
            "problems": list(self.problems),
        }


def resource_dependencies(resource: Resource, known: Iterable[str]) -> tuple[str, ...]:
    names = set(known)
    deps = set(references(resource.properties)) | set(resource.depends_on)
    return tuple(sorted(d for d in deps if d in names and d != resource.logical_id))


def levels(resources: list[Resource]) -> list[list[Resource]]:
    """Resources grouped so that each only depends on earlier groups."""
    ids = {r.logical_id for r in resources}
    deps = {r.logical_id: resource_dependencies(r, ids) for r in resources}
    depth: dict[str, int] = {}

    def level(logical_id: str, trail: tuple[str, ...] = ()) -> int:
        if logical_id in depth:
            return depth[logical_id]
        if logical_id in trail:
            raise ValueError(f"dependency cycle: {' -> '.join((*trail, logical_id))}")
        value = 1 + max((level(d, (*trail, logical_id)) for d in deps[logical_id]), default=-1)
        depth[logical_id] = value
        return value

    for resource in resources:
        level(resource.logical_id)
    grouped: dict[int, list[Resource]] = {}
    for resource in sorted(resources, key=lambda r: r.logical_id):
        grouped.setdefault(depth[resource.logical_id], []).append(resource)
    return [grouped[k] for k in sorted(grouped)]


def changed_keys(old: dict[str, JSON], new: dict[str, JSON]) -> list[str]:
    keys = set(old) | set(new)
    return sorted(k for k in keys if contains_unknown(new.get(k)) or old.get(k) != new.get(k))


def desired_properties(resource: Resource, code: dict[str, str]) -> dict[str, JSON]:
    """The properties to apply: the graph's, plus the code package's sha256 for functions."""
    properties = copy.deepcopy(resource.properties)
    if resource.type == "AWS::Lambda::Function" and resource.logical_id in code:
        properties["Code"] = {"Sha256": code[resource.logical_id]}
    return properties


@dataclass
class _Decision:
    step: Step | None
    attributes: dict[str, str] | _Unknown
    current: Current | None = None
    problem: str | None = None


@dataclass
class Planner:
    ctx: ProviderContext
    graph: Graph
    state: State
    code: dict[str, str] = field(default_factory=dict)
    """sha256 of each function's package by logical id."""
    allow_replace: bool = False
    providers: Mapping[str, Provider] | None = None
    """Providers by resource type (default: squall's own)."""

    def plan(self) -> Plan:
        resources = list(self.graph.resources)
        attributes: dict[str, dict[str, str] | _Unknown] = {}

        def lookup(logical_id: str, attribute: str) -> str | _Unknown:
            found = attributes.get(logical_id)
            if found is None:
                entry = self.state.resources.get(logical_id)
                if entry is None or entry.status != "ready":
                    return UNKNOWN
                found = entry.attributes
            if isinstance(found, _Unknown):
                return UNKNOWN
            value = found.get(attribute)
            return UNKNOWN if value is None else value

        resolver = Resolver(self.ctx.account_id, self.ctx.region, lookup)
        steps: list[Step] = []
        unchanged: list[str] = []
        refused: list[str] = []
        problems: list[str] = []
        ids = {r.logical_id for r in resources}
        adopted_ids: set[str] = set()
        with ThreadPoolExecutor(max_workers=16) as pool:
            for group in levels(resources):
                decisions = list(pool.map(lambda r: self._decide(r, resolver, ids), group))
                for resource, decision in zip(group, decisions, strict=True):
                    attributes[resource.logical_id] = decision.attributes
                    if decision.problem is not None:
                        problems.append(decision.problem)
                        continue
                    if decision.current is not None and decision.step is not None and decision.step.adopt:
                        adopted_ids.add(decision.current.physical_id)
                    if decision.step is None:
                        unchanged.append(resource.logical_id)
                        continue
                    step = decision.step
                    if (
                        step.action == "replace"
                        and provider_for(step.type, self.providers).holds_data
                        and not self.allow_replace
                    ):
                        refused.append(
                            f"{step.logical_id} ({step.physical_name or step.physical_id}, {step.type}): "
                            f"changing {', '.join(step.changes)} needs a new resource, losing its data"
                        )
                    steps.append(step)
        if refused:
            raise ReplaceRefused(
                "refusing to replace:\n  " + "\n  ".join(refused),
                hint="run the deploy with --allow-replace to delete and recreate (the data is lost)",
            )
        planned = {s.logical_id for s in steps}
        steps = [replace(s, depends_on=tuple(d for d in s.depends_on if d in planned)) for s in steps]
        steps.extend(self._deletes(ids, adopted_ids))
        return Plan(
            app=self.graph.app,
            stage=self.graph.stage,
            target=self.graph.target,
            account_id=self.ctx.account_id,
            steps=tuple(steps),
            unchanged=tuple(sorted(unchanged)),
            problems=tuple(problems),
        )

    def _decide(self, resource: Resource, resolver: Resolver, ids: set[str]) -> _Decision:
        provider = provider_for(resource.type, self.providers)
        entry = self.state.resources.get(resource.logical_id)
        if entry is not None and entry.type != resource.type:
            entry = None
        props = resolver.resolve(desired_properties(resource, self.code))
        deps = resource_dependencies(resource, ids)
        physical_id = entry.physical_id if entry is not None else None
        try:
            current = provider.find(self.ctx, resource.logical_id, resource.physical_name, props, physical_id)
        except Exception as exc:
            raise cloud_error(
                exc,
                logical_id=resource.logical_id,
                physical=resource.physical_name,
                action="reading the current resource",
            ) from exc
        base = Step(
            "create",
            resource.logical_id,
            resource.type,
            physical_name=resource.physical_name,
            depends_on=deps,
        )
        if current is None:
            return _Decision(replace(base, changes=tuple(sorted(props))), UNKNOWN)
        recorded = entry is not None and entry.status == "ready"
        try:
            tags = provider.owner_tags(self.ctx, current)
        except Exception as exc:
            raise cloud_error(
                exc, logical_id=resource.logical_id, physical=current.physical_id, action="reading its tags"
            ) from exc
        owner = Owner.of(tags) if tags is not None else None
        retag = False
        if owner is not None and not owner.is_(self.graph.app, self.graph.stage):
            if not (owner.untagged and recorded):
                return _Decision(
                    None,
                    UNKNOWN,
                    problem=f"{resource.logical_id} ({current.physical_id}, {resource.type}) exists and "
                    f"belongs to {owner.describe()}",
                )
            retag = True
        found = tuple(sorted(current.attributes.items()))
        if not recorded:
            step = replace(
                base,
                action="update",
                physical_id=current.physical_id,
                changes=tuple(sorted(props)),
                adopt=True,
                pending=contains_unknown(props),
                found_attributes=found,
            )
            return _Decision(step, dict(current.attributes), current)
        assert entry is not None
        changes = changed_keys(entry.properties, props)
        live = provider_live_changes(resource.type, current, props, entry.attributes)
        changes += [c for c in live if c not in changes]
        if retag:
            changes.append("Tags")
        if not changes:
            return _Decision(None, dict(current.attributes), current)
        reasons = [k for k in provider.replacement_reasons(entry.properties, props) if k in changes]
        if reasons:
            return _Decision(
                replace(base, action="replace", physical_id=current.physical_id, changes=tuple(reasons)),
                UNKNOWN,
            )
        pending = all(contains_unknown(props.get(k)) for k in changes if k != "Tags") and not retag
        step = replace(
            base,
            action="update",
            physical_id=current.physical_id,
            changes=tuple(sorted(changes)),
            pending=pending,
            found_attributes=found,
            retag=retag,
        )
        return _Decision(step, dict(current.attributes), current)

    def _deletes(self, ids: set[str], adopted: set[str]) -> list[Step]:
        from squall.deploy.removal import deletion_steps

        gone = {
            logical_id: entry
            for logical_id, entry in self.state.resources.items()
            if logical_id not in ids or entry.type != self.graph.resource(logical_id).type
        }
        return deletion_steps(self.ctx, gone, adopted=adopted, providers=self.providers)


def provider_live_changes(
    type_name: str, current: Current, props: dict[str, JSON], recorded: dict[str, JSON] | None = None
) -> list[str]:
    """Differences seen on the live resource that the state cannot show (code changed out of band).

    The code is compared with what the last deploy recorded it uploaded (which may be the package plus a
    spilled environment file), or, without a record, with the package itself.
    """
    if type_name == "AWS::Lambda::Function" and "Code" in props and "CodeSha256" in current.attributes:
        from squall.deploy.providers.lambda_function import b64_sha

        expected = (recorded or {}).get("CodeSha256") or b64_sha(props["Code"]["Sha256"])
        if current.attributes["CodeSha256"] != expected:
            return ["Code"]
    return []
