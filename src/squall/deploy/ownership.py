"""Which stage a resource belongs to: the tags squall puts on everything it creates.

Every resource squall creates carries ``squall:app`` and ``squall:stage`` (set in the call that creates it,
so no resource of a stage ever exists untagged). A deploy adopts an existing resource it did not record
(a deploy killed between a create and its record) only when those tags name exactly its app and stage; a
resource with its name that is someone else's (another stage's, another app's, or untagged) stops the deploy
before any change. A remove deletes only what carries its stage's tags.

Resources AWS cannot tag (a route or an integration of an API, a permission of a function, a subscription of
a topic, a queue's policy) belong to what they are part of: they are found only inside the stage's own API,
function, topic or queue, and a remove keeps them when it keeps what they depend on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

APP_TAG = "squall:app"
STAGE_TAG = "squall:stage"


def stage_tags(app: str, stage: str) -> dict[str, str]:
    return {APP_TAG: app, STAGE_TAG: stage}


def as_tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """``{"k": "v"}`` in the ``[{"Key": "k", "Value": "v"}]`` spelling most services use."""
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def from_tag_list(
    items: list[dict[str, str]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    return {str(item[key]): str(item.get(value, "")) for item in items or []}


@dataclass(frozen=True)
class Owner:
    """The app and stage a resource's tags name (None: not tagged by squall)."""

    app: str | None
    stage: str | None

    @classmethod
    def of(cls, tags: Mapping[str, str]) -> Owner:
        return cls(tags.get(APP_TAG), tags.get(STAGE_TAG))

    @property
    def untagged(self) -> bool:
        return self.app is None and self.stage is None

    def is_(self, app: str, stage: str) -> bool:
        return self.app == app and self.stage == stage

    def describe(self) -> str:
        if self.untagged:
            return "no stage of squall's: it has no squall:app and squall:stage tags"
        return f"app {self.app!r} stage {self.stage!r}"
