"""In-memory stand-ins for the cloud: a provider per type over a dict, a state store, no-op clients."""

from __future__ import annotations

import itertools
import threading
from typing import Any, ClassVar

from squall.deploy.clients import Clients
from squall.deploy.providers import Current, Provider, ProviderContext
from squall.deploy.retry import Retrier
from squall.deploy.state import State
from squall.graph.model import Graph, Resource

JSON = Any


class FakeCloud:
    def __init__(self) -> None:
        self.resources: dict[tuple[str, str], dict[str, JSON]] = {}
        self.tags: dict[tuple[str, str], dict[str, str]] = {}
        self.calls: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        self.ids = itertools.count(1)

    def log(self, action: str, type_name: str, physical_id: str) -> None:
        with self.lock:
            self.calls.append((action, type_name, physical_id))


class FakeProvider(Provider):
    replace_on: ClassVar[frozenset[str]] = frozenset({"Name"})

    def __init__(
        self,
        cloud: FakeCloud,
        type_name: str,
        *,
        holds_data: bool = False,
        replace_on: frozenset[str] = frozenset({"Name"}),
        taggable: bool = True,
    ) -> None:
        self.cloud = cloud
        self.type = type_name  # type: ignore[misc]
        self.holds_data = holds_data  # type: ignore[misc]
        self.replace_on = replace_on  # type: ignore[misc]
        self.taggable = taggable  # type: ignore[misc]

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        return dict(self.cloud.tags.get((self.type, current.physical_id), {}))

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        self.cloud.tags.setdefault((self.type, current.physical_id), {}).update(tags)
        self.cloud.log("tag", self.type, current.physical_id)

    def _current(self, physical_id: str) -> Current:
        return Current(physical_id, {"Ref": physical_id, "Arn": f"arn:{physical_id}"})

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        key = physical_id or physical_name
        if key is not None and (self.type, key) in self.cloud.resources:
            return self._current(key)
        return None

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        physical_id = physical_name or f"{logical_id.lower()}-{next(self.cloud.ids)}"
        self.cloud.resources[(self.type, physical_id)] = props
        if self.taggable:
            self.cloud.tags[(self.type, physical_id)] = dict(ctx.tags)
        self.cloud.log("create", self.type, physical_id)
        return self._current(physical_id)

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        self.cloud.resources[(self.type, current.physical_id)] = new
        self.cloud.log("update", self.type, current.physical_id)
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        self.cloud.resources.pop((self.type, physical_id), None)
        self.cloud.tags.pop((self.type, physical_id), None)
        self.cloud.log("delete", self.type, physical_id)


TYPES = ("Test::Role", "Test::Function", "Test::Table", "Test::Route")


def fake_providers(cloud: FakeCloud) -> dict[str, Provider]:
    return {
        "Test::Role": FakeProvider(cloud, "Test::Role"),
        "Test::Function": FakeProvider(cloud, "Test::Function"),
        "Test::Table": FakeProvider(cloud, "Test::Table", holds_data=True, replace_on=frozenset({"Keys"})),
        # A route is part of something else (as an API Gateway route is): it has no tags of its own.
        "Test::Route": FakeProvider(cloud, "Test::Route", replace_on=frozenset({"ApiId"}), taggable=False),
    }


def context() -> ProviderContext:
    def no_clients(service: str) -> Any:
        raise AssertionError(f"unit tests make no {service} calls")

    return ProviderContext(
        clients=Clients(no_clients, target="local", region="us-east-1", endpoint=None),
        retrier=Retrier(sleep=lambda _: None),
        account_id="111122223333",
        region="us-east-1",
        app="app",
        stage="dev",
    )


class FakeStore:
    def __init__(self) -> None:
        self.saved: list[State] = []

    def save(self, state: State) -> None:
        self.saved.append(state.copy())


def graph(*resources: Resource) -> Graph:
    return Graph(app="app", stage="dev", region="us-east-1", target="local", resources=resources)
