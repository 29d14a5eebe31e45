"""Each served service's botocore model, read once, and each operation's input compiled once.

An ``Operation`` says where its input lives on the wire: a JSON document (JSON protocols, and REST-JSON
bodies), query-string and header members (REST-JSON), flat parameters (query protocol), or an XML
document (S3 operations that take one). Everything here is cached for the daemon's life: models do not
change while it runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache

import botocore.session
from botocore.model import ServiceModel

from squall.cloud.operations import SERVICES
from squall.cloud.validation.shapes import Compiler, Member, Spec


@dataclass(frozen=True)
class Operation:
    name: str
    body: Spec | None  # the structure a JSON body holds; None: no JSON body (raw payload, or none)
    body_prefix: str  # put before body member names in messages (API Gateway's "createRestApiInput.")
    params: tuple[Member, ...]  # query protocol: every top-level member
    required: tuple[Member, ...]  # query protocol: the required ones
    query: tuple[Member, ...]  # REST: members in the query string
    headers: tuple[Member, ...]  # REST: members in headers
    xml_body: bool  # REST-XML: the body is an XML document


@dataclass(frozen=True)
class Service:
    name: str  # moto's backend name
    protocol: str
    target_prefix: str
    operation_names: frozenset[str]


@cache
def _model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICES[service])


@cache
def service(name: str) -> Service | None:
    if name not in SERVICES:
        return None
    model = _model(name)
    return Service(
        name,
        str(model.protocol),
        str(model.metadata.get("targetPrefix", "")),
        frozenset(model.operation_names),
    )


@cache
def _compiler(service: str) -> Compiler:
    return Compiler(service)


_compiling = threading.Lock()  # request threads share each compiler: none may see a half-built Spec


@cache
def operation(service: str, name: str) -> Operation:
    with _compiling:
        return _operation(service, name)


def _operation(service: str, name: str) -> Operation:
    model = _model(service)
    shape = model.operation_model(name).input_shape
    compiler = _compiler(service)
    if shape is None:
        return Operation(name, None, "", (), (), (), (), False)
    spec = compiler.spec(shape)
    protocol = model.protocol
    if protocol == "query":
        return Operation(name, spec, "", tuple(spec.members.values()), spec.required, (), (), False)
    if protocol == "json":  # SQS also takes the query protocol: its members as parameters
        return Operation(name, spec, "", tuple(spec.members.values()), spec.required, (), (), False)
    located = [m for m in spec.members.values() if m.location]
    query = tuple(m for m in located if m.location == "querystring")
    headers = tuple(m for m in located if m.location == "header")
    payload = shape.serialization.get("payload")
    if protocol == "rest-xml":
        xml_body = payload is not None and shape.members[payload].type_name == "structure"
        return Operation(name, None, "", (), (), query, headers, xml_body)
    body: Spec | None
    if payload is not None:
        member = shape.members[payload]
        body = compiler.spec(member) if member.type_name == "structure" else None
    else:
        body = Spec("structure", spec.name)
        body.members = {w: m for w, m in spec.members.items() if not m.location}
        body.required = tuple(m for m in spec.required if not m.location)
        if not body.members:
            body = None
    prefix = f"{name[:1].lower()}{name[1:]}Input." if service == "apigateway" else ""
    return Operation(name, body, prefix, (), (), query, headers, False)
