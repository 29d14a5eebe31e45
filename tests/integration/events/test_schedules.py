"""EventBridge schedules: disabled rules stay quiet; a rate keeps its phase across a cloud restart."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from squall import cloud
from tests.integration.conftest import ClientFactory, clients_for
from tests.integration.events.conftest import (
    ASSUME_ROLE_POLICY,
    RECORDER,
    Recorder,
    RecorderFactory,
    wait_until,
    zip_source,
)
from tests.integration.roles import grant


def test_disabled_and_deleted_rules_do_not_fire(
    aws_client: ClientFactory, recorder: RecorderFactory, unique_name: Callable[[str], str]
) -> None:
    events = aws_client("events")
    enabled, disabled, deleted = recorder(), recorder(), recorder()
    for rec, state in ((enabled, "ENABLED"), (disabled, "DISABLED"), (deleted, "ENABLED")):
        name = unique_name("minutely")
        events.put_rule(Name=name, ScheduleExpression="cron(* * * * ? *)", State=state)
        events.put_targets(Rule=name, Targets=[{"Id": "job", "Arn": rec.arn}])
        if rec is deleted:
            events.remove_targets(Rule=name, Ids=["job"])
            events.delete_rule(Name=name)
    enabled.wait_for(1, timeout=75)
    # the three rules were due at the same instant: give the others as long as the first took, plus a margin
    deadline = time.time() + 2.0
    while time.time() < deadline:
        assert disabled.events() == [] and deleted.events() == []
        time.sleep(0.2)


@pytest.mark.timeout(180)
def test_rate_fires_on_time_across_a_restart(tmp_path: Path) -> None:
    home = tmp_path / "home"
    info = cloud.start(home, port=0)
    assert info is not None
    try:
        make = clients_for(home, info.endpoint)
        make("dynamodb").create_table(
            TableName="results",
            KeySchema=[
                {"AttributeName": "run", "KeyType": "HASH"},
                {"AttributeName": "id", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "run", "AttributeType": "S"},
                {"AttributeName": "id", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        role = make("iam").create_role(RoleName="jobs", AssumeRolePolicyDocument=ASSUME_ROLE_POLICY)
        grant(make("iam"), "jobs")
        function = make("lambda").create_function(
            FunctionName="job",
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": zip_source(RECORDER)},
            Environment={"Variables": {"RESULTS_TABLE": "results", "RUN": "rate"}},
        )
        events = make("events")
        before = time.time()
        events.put_rule(Name="every-minute", ScheduleExpression="rate(1 minute)")
        after = time.time()
        events.put_targets(Rule="every-minute", Targets=[{"Id": "job", "Arn": function["FunctionArn"]}])

        cloud.stop(home)
        info = cloud.start(home, port=0)
        assert info is not None
        make = clients_for(home, info.endpoint)
        rec = Recorder(function["FunctionArn"], "rate", "results", make("dynamodb"))
        [(started, event)] = wait_until(rec.events, 90, interval=0.2, what="the first fire")
        fired_for = calendar.timegm(time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ"))
        assert int(before) + 60 <= fired_for <= after + 60
        assert before + 60 <= started <= after + 60 + 1.0
    finally:
        cloud.stop(home)
