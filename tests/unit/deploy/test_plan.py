from __future__ import annotations

from typing import Any

import pytest

from squall.deploy.errors import ReplaceRefused
from squall.deploy.execute import Executor
from squall.deploy.plan import Plan, Planner, levels
from squall.deploy.state import State, StateRecorder
from squall.deploy.ui import NullReporter
from squall.graph.model import Graph, Resource, get_att, ref
from tests.unit.deploy.fakes import FakeCloud, FakeStore, context, fake_providers, graph


def app_graph(*, env: str = "1", keys: str = "pk", routes: tuple[str, ...] = ("GET /a",)) -> Graph:
    resources = [
        Resource("Test::Role", "FnRole", "app-dev-FnRole", {"Name": "app-dev-FnRole"}),
        Resource("Test::Table", "Urls", "app-dev-Urls", {"Name": "app-dev-Urls", "Keys": keys}),
        Resource(
            "Test::Function",
            "Fn",
            "app-dev-Fn",
            {
                "Name": "app-dev-Fn",
                "Role": get_att("FnRole", "Arn"),
                "Env": {"TABLE": ref("Urls"), "X": env},
            },
        ),
    ]
    for index, key in enumerate(routes):
        resources.append(
            Resource("Test::Route", f"Route{index}", None, {"Key": key, "Target": get_att("Fn", "Arn")})
        )
    return graph(*resources)


class Harness:
    def __init__(self) -> None:
        self.cloud = FakeCloud()
        self.providers = fake_providers(self.cloud)
        self.state = State("app", "dev", "us-east-1")
        self.store = FakeStore()

    def plan(self, g: Graph, *, allow_replace: bool = False) -> Plan:
        ctx = context()
        planner = Planner(ctx, g, self.state.copy(), allow_replace=allow_replace, providers=self.providers)
        return planner.plan()

    def apply(self, g: Graph, *, allow_replace: bool = False) -> Plan:
        plan = self.plan(g, allow_replace=allow_replace)
        recorder = StateRecorder(self.store, self.state)  # type: ignore[arg-type]
        Executor(context(), recorder, NullReporter(), g, providers=self.providers).run(plan)
        self.state = recorder.state
        return plan


def actions(plan: Plan) -> dict[str, str]:
    return plan.actions()


def test_first_deploy_creates_everything_in_dependency_order() -> None:
    h = Harness()
    plan = h.apply(app_graph())
    assert actions(plan) == {"FnRole": "create", "Urls": "create", "Fn": "create", "Route0": "create"}
    assert plan.step("Fn").depends_on == ("FnRole", "Urls")
    order = [physical for _, _, physical in h.cloud.calls]
    assert order.index("app-dev-Fn") > order.index("app-dev-FnRole")
    assert order.index("app-dev-Fn") > order.index("app-dev-Urls")
    fn = h.cloud.resources[("Test::Function", "app-dev-Fn")]
    assert fn == {
        "Name": "app-dev-Fn",
        "Role": "arn:app-dev-FnRole",
        "Env": {"TABLE": "app-dev-Urls", "X": "1"},
    }
    assert all(entry.status == "ready" for entry in h.state.resources.values())


def test_redeploy_of_the_same_graph_is_an_empty_plan() -> None:
    h = Harness()
    h.apply(app_graph())
    plan = h.plan(app_graph())
    assert plan.is_empty
    assert set(plan.unchanged) == {"FnRole", "Urls", "Fn", "Route0"}


def test_a_changed_property_updates_only_that_resource() -> None:
    h = Harness()
    h.apply(app_graph())
    h.cloud.calls.clear()
    plan = h.apply(app_graph(env="2"))
    assert actions(plan) == {"Fn": "update"}
    assert plan.step("Fn").changes == ("Env",)
    assert h.cloud.calls == [("update", "Test::Function", "app-dev-Fn")]


def test_routes_added_and_removed() -> None:
    h = Harness()
    h.apply(app_graph(routes=("GET /a", "GET /b")))
    plan = h.apply(app_graph(routes=("GET /a",)))
    assert actions(plan) == {"Route1": "delete"}
    plan = h.apply(app_graph(routes=("GET /a", "GET /b", "GET /c")))
    assert actions(plan) == {"Route1": "create", "Route2": "create"}


def test_replacing_a_data_resource_is_refused_naming_resource_and_property() -> None:
    h = Harness()
    h.apply(app_graph())
    with pytest.raises(ReplaceRefused) as caught:
        h.plan(app_graph(keys="other"))
    assert "Urls (app-dev-Urls" in str(caught.value)
    assert "Keys" in str(caught.value)
    assert "--allow-replace" in str(caught.value)


def test_allowed_replacement_deletes_then_creates_and_updates_dependents_only_if_needed() -> None:
    h = Harness()
    h.apply(app_graph())
    h.cloud.calls.clear()
    plan = h.apply(app_graph(keys="other"), allow_replace=True)
    assert actions(plan) == {"Urls": "replace", "Fn": "update"}
    assert plan.step("Fn").pending
    assert h.cloud.calls == [
        ("delete", "Test::Table", "app-dev-Urls"),
        ("create", "Test::Table", "app-dev-Urls"),
    ]


def test_resource_in_the_cloud_but_missing_from_state_is_adopted_not_duplicated() -> None:
    h = Harness()
    h.apply(app_graph())
    del h.state.resources["Fn"]
    plan = h.apply(app_graph())
    step = plan.step("Fn")
    assert step.action == "update" and step.adopt
    assert [k for k in h.cloud.resources if k[0] == "Test::Function"] == [("Test::Function", "app-dev-Fn")]


def test_resource_deleted_out_of_band_is_created_again() -> None:
    h = Harness()
    h.apply(app_graph())
    del h.cloud.resources[("Test::Role", "app-dev-FnRole")]
    plan = h.apply(app_graph())
    assert actions(plan) == {"FnRole": "create", "Fn": "update"}
    assert plan.step("Fn").pending, "the role's ARN is only known once it exists again"
    assert ("update", "Test::Function", "app-dev-Fn") not in h.cloud.calls, "same ARN: nothing to update"
    assert h.plan(app_graph()).is_empty


def test_deletes_remove_dependents_first() -> None:
    h = Harness()
    h.apply(app_graph())
    h.cloud.calls.clear()
    plan = h.apply(graph())
    assert set(actions(plan).values()) == {"delete"}
    order = [physical for _, _, physical in h.cloud.calls]
    assert order.index("app-dev-Fn") < order.index("app-dev-FnRole")
    assert order.index("app-dev-Fn") < order.index("app-dev-Urls")
    assert h.state.resources == {}
    assert h.cloud.resources == {}


def test_state_is_written_before_a_create_and_after_it() -> None:
    h = Harness()
    h.apply(graph(Resource("Test::Role", "R", "app-dev-R", {"Name": "app-dev-R"})))
    statuses = [s.resources["R"].status for s in h.store.saved if "R" in s.resources]
    assert statuses[:2] == ["creating", "ready"]


def test_levels_group_independent_resources_together() -> None:
    g = app_graph(routes=("GET /a", "GET /b"))
    grouped = [[r.logical_id for r in group] for group in levels(list(g.resources))]
    assert grouped == [["FnRole", "Urls"], ["Fn"], ["Route0", "Route1"]]


def test_a_failed_step_skips_its_dependents_and_reports_the_resource() -> None:
    from squall.deploy.execute import DeployFailed

    h = Harness()

    class Broken(type(h.providers["Test::Function"])):  # type: ignore[misc]
        def create(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("boom")

    h.providers["Test::Function"] = Broken(h.cloud, "Test::Function")
    with pytest.raises(DeployFailed) as caught:
        h.apply(app_graph())
    assert "Fn (app-dev-Fn)" in str(caught.value) and "boom" in str(caught.value)
    assert ("Test::Route", "route0-1") not in h.cloud.resources
    assert h.state.resources["FnRole"].status == "ready"
    assert h.state.resources["Fn"].status == "creating"


OTHER_STAGE = {"squall:app": "app", "squall:stage": "prod"}


def test_a_resource_with_our_name_but_another_owner_is_a_problem_and_nothing_is_planned_for_it() -> None:
    h = Harness()
    h.cloud.resources[("Test::Table", "app-dev-Urls")] = {"Name": "app-dev-Urls", "Keys": "pk"}
    h.cloud.tags[("Test::Table", "app-dev-Urls")] = OTHER_STAGE
    h.cloud.resources[("Test::Role", "app-dev-FnRole")] = {"Name": "app-dev-FnRole"}  # untagged
    plan = h.plan(app_graph())
    assert len(plan.problems) == 2
    table, role = sorted(plan.problems, key=lambda p: not p.startswith("Urls"))
    assert "Urls (app-dev-Urls, Test::Table)" in table and "app 'app' stage 'prod'" in table
    assert "FnRole (app-dev-FnRole, Test::Role)" in role and "no squall:app and squall:stage tags" in role
    assert "Urls" not in plan.actions() and "FnRole" not in plan.actions()


def test_an_unrecorded_resource_with_our_tags_is_adopted() -> None:
    h = Harness()
    h.apply(app_graph())
    del h.state.resources["Urls"]
    plan = h.plan(app_graph())
    assert plan.problems == () and plan.step("Urls").adopt


def test_a_recorded_resource_without_tags_gets_them_back() -> None:
    h = Harness()
    h.apply(app_graph())
    del h.cloud.tags[("Test::Function", "app-dev-Fn")]
    h.cloud.calls.clear()
    plan = h.apply(app_graph())
    assert actions(plan) == {"Fn": "update"} and plan.step("Fn").changes == ("Tags",)
    assert h.cloud.calls == [("tag", "Test::Function", "app-dev-Fn")]
    assert h.plan(app_graph()).is_empty


def test_a_recorded_resource_that_another_stage_owns_is_a_problem() -> None:
    h = Harness()
    h.apply(app_graph())
    h.cloud.tags[("Test::Table", "app-dev-Urls")] = OTHER_STAGE
    assert h.plan(app_graph()).problems


def test_deletes_keep_what_is_not_the_stages_and_what_is_part_of_it() -> None:
    h = Harness()
    h.apply(app_graph(routes=("GET /a",)))
    h.cloud.tags[("Test::Function", "app-dev-Fn")] = OTHER_STAGE
    h.cloud.calls.clear()
    plan = h.apply(graph())
    kept = {s.logical_id: s.kept for s in plan.kept}
    assert set(kept) == {"Fn", "Route0"}
    assert "app 'app' stage 'prod'" in str(kept["Fn"]) and "part of Fn" in str(kept["Route0"])
    assert sorted(h.cloud.calls) == [
        ("delete", "Test::Role", "app-dev-FnRole"),
        ("delete", "Test::Table", "app-dev-Urls"),
    ]
    assert ("Test::Function", "app-dev-Fn") in h.cloud.resources
    assert h.state.resources == {}
