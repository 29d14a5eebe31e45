"""Finding a stage's function by the name a user types: its logical id, construct path or physical name."""

from __future__ import annotations

from squall.errors import SquallError
from squall.graph.model import Graph, Resource


def find_function(graph: Graph, name: str) -> Resource:
    functions = graph.of_type("AWS::Lambda::Function")
    for resource in functions:
        if name in (resource.logical_id, resource.physical_name, resource.construct):
            return resource
    known = ", ".join(sorted(r.logical_id for r in functions)) or "none"
    raise SquallError(f"no function {name!r} in {graph.app} / {graph.stage}", hint=f"functions: {known}")
