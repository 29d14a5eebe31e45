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

from squall.deploy.errors import ReplaceRefused, cloud_error
from squall.deploy.intrinsics import UNKNOWN, Resolver, _Unknown, contains_unknown
from squall.deploy.ownership import Owner
from squall.deploy.providers import Current, Provider, ProviderContext, provider_for
from squall.deploy.removal import deletion_steps
from squall.deploy.state import State
from squall.deploy.steps import JSON, Plan, Step
from squall.graph.model import Graph, Resource, references


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


def desired_properties(resource: Resource, code: Mapping[str, str], provider: Provider) -> dict[str, JSON]:
    """The properties to apply: the graph's, as the resource's provider completes them (a code package's
    digest, for a function)."""
    return provider.desired(resource.logical_id, copy.deepcopy(resource.properties), code)


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
        props = resolver.resolve(desired_properties(resource, self.code, provider))
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
        live = provider.live_changes(current, props, entry.attributes)
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
        gone = {
            logical_id: entry
            for logical_id, entry in self.state.resources.items()
            if logical_id not in ids or entry.type != self.graph.resource(logical_id).type
        }
        return deletion_steps(self.ctx, gone, adopted=adopted, providers=self.providers)
