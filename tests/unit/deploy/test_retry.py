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


def refused() -> Exception:
    from botocore.exceptions import EndpointConnectionError

    return EndpointConnectionError(endpoint_url="http://127.0.0.1:9")


def test_a_target_that_stops_answering_is_given_up_on_after_the_outage_budget() -> None:
    from squall.deploy.errors import TargetUnreachable

    r = retrier()
    fn = Flaky([refused()] * 1000)
    with pytest.raises(TargetUnreachable) as caught:
        r.call(fn)
    assert r.clock() <= r.outage
    assert "stopped answering" in str(caught.value) and "127.0.0.1:9" in str(caught.value)
    assert "run the command again" in str(caught.value)
    # The outage is shared: the next call fails at once instead of waiting again.
    again = Flaky([refused()] * 1000)
    with pytest.raises(TargetUnreachable):
        r.call(again)
    assert again.calls == 1


def test_an_answer_ends_the_outage() -> None:
    r = retrier()
    assert r.call(Flaky([refused()] * 5)) == "ok"
    later = r.clock()
    assert r.call(Flaky([refused()] * 5)) == "ok", "a new outage gets the whole budget again"
    assert r.clock() - later < r.outage
