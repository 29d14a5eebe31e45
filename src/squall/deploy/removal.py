"""Planning deletes: which recorded resources a deploy (gone from the graph) or a remove deletes, and which
it keeps because they are not the stage's.

A recorded resource of a type AWS tags is looked up first (by its recorded id, else its name, as a deploy
killed between a create and its record leaves it) and deleted only when it carries the stage's tags;
otherwise its delete only drops it from the state and says why (``Step.kept``). A resource AWS cannot tag
is part of another (a route of an API, a permission of a function): it is kept when anything it depends on
is kept. Deletes run dependents first.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from squall.deploy.errors import NotOwned, cloud_error
from squall.deploy.ownership import Owner
from squall.deploy.providers import Current, Provider, ProviderContext, provider_for
from squall.deploy.state import ResourceState
from squall.deploy.steps import Step


def deletion_steps(
    ctx: ProviderContext,
    entries: Mapping[str, ResourceState],
    *,
    adopted: set[str] | frozenset[str] = frozenset(),
    providers: Mapping[str, Provider] | None = None,
) -> list[Step]:
    """One delete step per entry, sorted by logical id."""
    taggable = {
        logical_id: entry
        for logical_id, entry in entries.items()
        if provider_for(entry.type, providers).taggable
        and not (entry.physical_id is not None and entry.physical_id in adopted)
    }
    with ThreadPoolExecutor(max_workers=16) as pool:
        found = dict(
            zip(
                taggable,
                pool.map(lambda item: _ownership(ctx, item[0], item[1], providers), taggable.items()),
                strict=True,
            )
        )
    kept = {logical_id: why for logical_id, (_, why) in found.items() if why is not None}
    changed = True
    while changed:  # what is part of something kept stays with it
        changed = False
        for logical_id, entry in entries.items():
            if logical_id in kept or logical_id in taggable:
                continue
            holders = sorted(d for d in entry.depends_on if d in kept)
            if holders:
                kept[logical_id] = f"it is part of {holders[0]}, which is kept"
                changed = True
    steps = []
    for logical_id, entry in sorted(entries.items()):
        if entry.physical_id is not None and entry.physical_id in adopted:
            steps.append(
                Step("delete", logical_id, entry.type, entry.physical_name, entry.physical_id, forget=True)
            )
            continue
        if logical_id in kept:
            steps.append(
                Step(
                    "delete",
                    logical_id,
                    entry.type,
                    entry.physical_name,
                    entry.physical_id,
                    forget=True,
                    kept=kept[logical_id],
                )
            )
            continue
        physical_id = entry.physical_id
        if logical_id in found:
            current = found[logical_id][0]
            physical_id = current.physical_id if current is not None else None
        dependents = tuple(
            sorted(
                other
                for other, e in entries.items()
                if logical_id in e.depends_on and other != logical_id and other not in kept
            )
        )
        steps.append(
            Step(
                "delete",
                logical_id,
                entry.type,
                entry.physical_name,
                physical_id,
                depends_on=dependents,
                forget=logical_id in found and physical_id is None,
            )
        )
    return steps


def _ownership(
    ctx: ProviderContext, logical_id: str, entry: ResourceState, providers: Mapping[str, Provider] | None
) -> tuple[Current | None, str | None]:
    """The resource as it exists (None: gone) and, when it is not the stage's, why it is kept."""
    provider = provider_for(entry.type, providers)
    physical = entry.physical_id or entry.physical_name
    try:
        current = provider.find(ctx, logical_id, entry.physical_name, entry.properties, entry.physical_id)
        if current is None:
            return None, None
        tags = provider.owner_tags(ctx, current)
    except NotOwned as exc:  # e.g. a bucket name taken by another account
        return None, exc.message
    except Exception as exc:
        raise cloud_error(exc, logical_id=logical_id, physical=physical, action="reading its tags") from exc
    owner = Owner.of(tags or {})
    if owner.is_(ctx.app, ctx.stage):
        return current, None
    return current, f"it belongs to {owner.describe()}"
