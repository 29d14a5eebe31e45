"""A damaged state or lock object is reported with its way out, never as a traceback."""

from __future__ import annotations

import json

import pytest

from squall.deploy.errors import StateDamaged
from squall.deploy.lock import Holder, LockObject
from squall.deploy.state import State, StateStore


def store() -> StateStore:
    return StateStore(None, "squall-state-1-us-east-1", "shop", "prod", "us-east-1")


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"stage": "prod"}',
        b'{"app": "shop", "stage": "prod", "resources": []}',
        b"\xff\xfe",
    ],
)
def test_a_damaged_state_names_the_object_and_the_way_out(body: bytes) -> None:
    with pytest.raises(StateDamaged) as caught:
        store().parse(body)
    message = str(caught.value)
    assert "the state of shop stage prod (s3://squall-state-1-us-east-1/apps/shop/prod/state.json)" in message
    assert "squall state list --stage prod" in message and "squall state restore VERSION" in message


def test_a_state_of_another_stage_is_not_taken_for_this_one() -> None:
    other = json.dumps(State("shop", "qa", "us-east-1").to_json()).encode()
    with pytest.raises(StateDamaged, match="records app 'shop' stage 'qa'"):
        store().parse(other)


def test_a_good_state_reads_back() -> None:
    body = json.dumps(State("shop", "prod", "us-east-1", outputs={"Url": "x"}).to_json()).encode()
    assert store().parse(body).outputs == {"Url": "x"}


def test_a_lock_record_round_trips_and_garbage_is_described() -> None:
    holder = Holder.me("squall deploy")
    assert Holder.from_json(holder.to_json()) == holder
    assert holder.id and "lock ID" in holder.describe() and "last heartbeat 0 s ago" in holder.describe()
    for garbage in (b"", b"null", b'{"user": "x"}'):
        with pytest.raises((ValueError, KeyError, TypeError)):
            Holder.from_json(garbage)
    damaged = LockObject('"etag"', None, "5 bytes that are not a lock record: Expecting value")
    assert "damaged" in damaged.describe()
