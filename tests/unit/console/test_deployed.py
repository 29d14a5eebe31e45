"""The console lists the functions the stage deployed, not those the local config happens to declare."""

from __future__ import annotations

from squall.console.deployed import deployed_functions
from squall.console.triggers import FunctionInfo, Trigger
from squall.deploy.state import ResourceState, State

ROUTE = Trigger("api", "GET /a", "Api")


def function_state(name: str, handler: str) -> ResourceState:
    return ResourceState(
        "AWS::Lambda::Function", "ready", name, {"FunctionName": name, "Handler": handler}, physical_name=name
    )


def test_deployed_functions_come_from_the_state() -> None:
    configured = [
        FunctionInfo("A", "app-s-A", "functions/a.handler", "Api", (ROUTE,)),
        FunctionInfo("New", "app-s-New", "functions/new.handler", "New", ()),
    ]
    state = State("app", "s", "us-east-1")
    state.resources["A"] = function_state("app-s-A", "functions.a.handler")
    state.resources["Gone"] = function_state("app-s-Gone", "functions.gone.handler")
    state.resources["Table"] = ResourceState("AWS::DynamoDB::Table", "ready", "t", {})
    listed = deployed_functions(configured, state)
    assert [(f.logical_id, f.name, f.handler, f.triggers) for f in listed] == [
        ("A", "app-s-A", "functions.a.handler", (ROUTE,)),
        ("Gone", "app-s-Gone", "functions.gone.handler", ()),
    ]
    assert listed[1].handler == "functions.gone.handler"
    assert deployed_functions(configured, None) == configured
