"""Retries: throttling and eventual consistency are waited out; repeated server faults are not."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from squall.deploy.retry import MAX_SERVER_FAULTS, Retrier


def error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


class Flaky:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def retrier() -> Retrier:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    return Retrier(sleep=sleep, clock=lambda: now[0])


def test_throttling_and_role_propagation_are_retried() -> None:
    fn = Flaky(
        [
            error("ThrottlingException"),
            error(
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
            ),
        ]
    )
    assert retrier().call(fn) == "ok" and fn.calls == 3


def test_other_errors_are_raised_at_once() -> None:
    fn = Flaky([error("ValidationException")])
    with pytest.raises(ClientError):
        retrier().call(fn)
    assert fn.calls == 1


def test_a_repeating_server_fault_is_raised_after_a_few_tries() -> None:
    fn = Flaky([error("InternalFailure")] * 50)
    with pytest.raises(ClientError):
        retrier().call(fn)
    assert fn.calls == MAX_SERVER_FAULTS


def test_the_deadline_bounds_waiting() -> None:
    fn = Flaky([error("ThrottlingException")] * 1000)
    slow = retrier()
    slow.deadline = 30
    with pytest.raises(ClientError):
        slow.call(fn)
    assert fn.calls < 20
