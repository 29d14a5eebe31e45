"""The resource graph's models.

A ``Graph`` is what ``squall synth --json`` prints and what the deployer plans from. Everything in it is
plain data: resources carry CloudFormation type names, a logical id, a physical name and properties.
Values only known once something exists in the cloud (an API's id, the account id) are intrinsic
functions in CloudFormation's own spelling (``Fn::GetAtt``, ``Fn::Sub``, ``Ref``, ``Fn::ToJsonString``),
which the deployer resolves in dependency order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

JSON = Any


def get_att(logical_id: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def sub(template: str) -> dict[str, str]:
    """A string with ``${AWS::AccountId}``-style placeholders, resolved at deploy time."""
    return {"Fn::Sub": template}


def references(value: JSON) -> Iterator[str]:
    """Logical ids that ``value`` refers to through ``Ref`` or ``Fn::GetAtt``."""
    if isinstance(value, dict):
        if "Ref" in value and len(value) == 1 and not str(value["Ref"]).startswith("AWS::"):
            yield str(value["Ref"])
        elif "Fn::GetAtt" in value and len(value) == 1:
            yield str(value["Fn::GetAtt"][0])
        else:
            for item in value.values():
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


@dataclass(frozen=True)
class Resource:
    """One AWS resource the stage owns."""

    type: str
    logical_id: str
    physical_name: str | None
    properties: dict[str, JSON]
    depends_on: tuple[str, ...] = ()
    construct: str = ""
    """The construct id that produced this resource (``Api``, ``Urls``, ...)."""
    metadata: dict[str, JSON] = field(default_factory=dict)
    """What squall needs beyond AWS's properties: handler source, code root, route, trigger."""

    def to_json(self) -> dict[str, JSON]:
        implied = set(references(self.properties))
        return {
            "type": self.type,
            "logical_id": self.logical_id,
            "physical_name": self.physical_name,
            "construct": self.construct,
            "properties": self.properties,
            "metadata": self.metadata,
            "depends_on": sorted(implied | set(self.depends_on)),
        }


@dataclass(frozen=True)
class Binding:
    """An edge: ``function`` (a logical id) may use the construct ``resource`` with ``access``."""

    function: str
    resource: str
    resource_type: str
    access: str

    def to_json(self) -> dict[str, JSON]:
        return {
            "function": self.function,
            "resource": self.resource,
            "resource_type": self.resource_type,
            "access": self.access,
        }


@dataclass(frozen=True)
class Secret:
    """A secret the app declares; its value lives in SSM, set with ``squall secret set``."""

    name: str
    parameter: str
    fallback_parameter: str

    def to_json(self) -> dict[str, JSON]:
        return {"name": self.name, "parameter": self.parameter, "fallback_parameter": self.fallback_parameter}


@dataclass(frozen=True)
class Graph:
    """Everything one stage of an app consists of."""

    app: str
    stage: str
    region: str
    target: str
    resources: tuple[Resource, ...]
    bindings: tuple[Binding, ...] = ()
    secrets: tuple[Secret, ...] = ()
    outputs: dict[str, JSON] = field(default_factory=dict)

    def resource(self, logical_id: str) -> Resource:
        for resource in self.resources:
            if resource.logical_id == logical_id:
                return resource
        raise KeyError(logical_id)

    def of_type(self, type_name: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_name]

    def to_json(self) -> dict[str, JSON]:
        return {
            "app": self.app,
            "stage": self.stage,
            "region": self.region,
            "target": self.target,
            "resources": [r.to_json() for r in sorted(self.resources, key=lambda r: r.logical_id)],
            "bindings": [b.to_json() for b in sorted(self.bindings, key=lambda b: (b.function, b.resource))],
            "secrets": [s.to_json() for s in sorted(self.secrets, key=lambda s: s.name)],
            "outputs": dict(sorted(self.outputs.items())),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True)
