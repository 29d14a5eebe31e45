from __future__ import annotations

import json

import pytest

from squall.deploy.errors import DeployError
from squall.deploy.intrinsics import UNKNOWN, Resolver, _Unknown, contains_unknown


def resolver(known: dict[tuple[str, str], str]) -> Resolver:
    def lookup(logical_id: str, attribute: str) -> str | _Unknown:
        return known.get((logical_id, attribute), UNKNOWN)

    return Resolver("111122223333", "eu-west-1", lookup)


def test_ref_and_get_att_use_known_attributes() -> None:
    r = resolver({("Api", "Ref"): "abc123", ("Fn", "Arn"): "arn:fn"})
    assert r.resolve({"Ref": "Api"}) == "abc123"
    assert r.resolve({"Fn::GetAtt": ["Fn", "Arn"]}) == "arn:fn"
    assert r.resolve({"Fn::GetAtt": "Fn.Arn"}) == "arn:fn"


def test_sub_replaces_pseudo_parameters_and_attributes() -> None:
    r = resolver({("Table", "Arn"): "arn:table", ("Api", "Ref"): "abc"})
    template = "arn:aws:logs:${AWS::Region}:${AWS::AccountId}:x/${Api}/${Table.Arn}/${!Literal}"
    assert (
        r.resolve({"Fn::Sub": template}) == "arn:aws:logs:eu-west-1:111122223333:x/abc/arn:table/${Literal}"
    )
    assert r.resolve({"Ref": "AWS::Region"}) == "eu-west-1"


def test_join_and_to_json_string_nest() -> None:
    r = resolver({("Api", "Ref"): "abc"})
    joined = {"Fn::Join": ["", [{"Fn::Sub": "arn:${AWS::AccountId}:"}, {"Ref": "Api"}, "/*/*"]]}
    assert r.resolve(joined) == "arn:111122223333:abc/*/*"
    encoded = r.resolve({"Fn::ToJsonString": {"b": {"Ref": "Api"}, "a": 1}})
    assert json.loads(encoded) == {"a": 1, "b": "abc"}
    assert encoded == '{"a":1,"b":"abc"}'


def test_unknown_attribute_makes_the_whole_value_unknown() -> None:
    r = resolver({})
    assert r.resolve({"Fn::Join": ["/", ["integrations", {"Ref": "Integration"}]]}) is UNKNOWN
    assert r.resolve({"Fn::Sub": "${Api.ApiEndpoint}/x"}) is UNKNOWN
    assert r.resolve({"Fn::ToJsonString": {"a": {"Ref": "Api"}}}) is UNKNOWN
    resolved = r.resolve({"Env": {"A": "plain", "B": {"Ref": "Queue"}}})
    assert resolved["Env"]["A"] == "plain"
    assert contains_unknown(resolved)


def test_plain_values_pass_through_unchanged() -> None:
    value = {"List": [1, "two", {"Three": True}], "Multi": {"Ref": "x", "Other": 1}}
    assert resolver({("x", "Ref"): "X"}).resolve(value) == {
        "List": [1, "two", {"Three": True}],
        "Multi": {"Ref": "x", "Other": 1},
    }


def test_unknown_pseudo_parameter_is_an_error() -> None:
    with pytest.raises(DeployError, match="AWS::Nope"):
        resolver({}).resolve({"Fn::Sub": "${AWS::Nope}"})
