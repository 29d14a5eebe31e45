"""Queues with a dead-letter queue and a consumer, a cron job, a topic with subscribers, a bucket with
notifications and a table with a stream consumer: deployed, verified, changed and removed cleanly."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from squall.deploy import Clients, deploy, diff, remove
from tests.integration.deploy.helpers import edit, leftovers, load

CONFIG = """
from squall import App, Stack
from squall.constructs import Bucket, Cron, Queue, Table, Topic


def config(input):
    return {"name": "kitchen", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(main)


def main(stack: Stack) -> None:
    dlq = Queue(stack, "Dead")
    jobs = Queue(stack, "Jobs", consumer={"function": "functions/work.handler", "batch_size": 5},
                 dlq={"queue": dlq, "max_receive_count": 4})
    Cron(stack, "Nightly", schedule="rate(1 day)", job="functions/work.handler")
    Topic(stack, "Events", subscribers={"audit": "functions/work.handler", "jobs": jobs})
    Bucket(stack, "Uploads", notifications={"created": {"function": "functions/work.handler",
                                                        "events": ["object_created"],
                                                        "filters": [{"prefix": "in/"}]}})
    Table(stack, "Orders", fields={"id": "string"}, primary_index={"partition_key": "id"},
          stream="new_image", consumers={"index": "functions/work.handler"})
"""


def make(root: Path) -> Path:
    (root / "functions").mkdir(parents=True)
    (root / "functions" / "work.py").write_text("def handler(event, context):\n    return None\n")
    (root / "squall.config.py").write_text(textwrap.dedent(CONFIG).lstrip())
    return root


def test_event_sources_deploy_change_and_remove(tmp_path: Path, stage: str, clients: Clients) -> None:
    root = make(tmp_path / "kitchen")
    project = load(root, stage)
    prefix = f"kitchen-{stage}-"
    result = deploy(project, clients=clients)
    assert set(result.outcomes.values()) == {"created"}
    assert diff(project, clients=clients).is_empty

    sqs, lam = clients("sqs"), clients("lambda")
    jobs_url = sqs.get_queue_url(QueueName=f"{prefix}Jobs")["QueueUrl"]
    dead_url = sqs.get_queue_url(QueueName=f"{prefix}Dead")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=jobs_url, AttributeNames=["All"])["Attributes"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": dead_arn, "maxReceiveCount": 4}
    assert json.loads(attributes["Policy"])["Statement"][0]["Principal"] == {"Service": "sns.amazonaws.com"}
    mappings = lam.list_event_source_mappings(FunctionName=f"{prefix}JobsConsumer")["EventSourceMappings"]
    assert [(m["EventSourceArn"], m["BatchSize"]) for m in mappings] == [(attributes["QueueArn"], 5)]

    stream = clients("dynamodb").describe_table(TableName=f"{prefix}Orders")["Table"]["LatestStreamArn"]
    mappings = lam.list_event_source_mappings(FunctionName=f"{prefix}OrdersConsumerindex")[
        "EventSourceMappings"
    ]
    assert [m["EventSourceArn"] for m in mappings] == [stream]

    rule = clients("events").describe_rule(Name=f"{prefix}Nightly")
    assert rule["ScheduleExpression"] == "rate(1 day)"
    targets = clients("events").list_targets_by_rule(Rule=f"{prefix}Nightly")["Targets"]
    assert [t["Arn"].rsplit(":", 1)[-1] for t in targets] == [f"{prefix}NightlyJob"]

    topic = next(
        t["TopicArn"]
        for t in clients("sns").list_topics()["Topics"]
        if t["TopicArn"].endswith(f":{prefix}Events")
    )
    subscriptions = clients("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sorted(s["Protocol"] for s in subscriptions) == ["lambda", "sqs"]

    notification = clients("s3").get_bucket_notification_configuration(Bucket=f"{prefix}uploads".lower())
    [config] = notification["LambdaFunctionConfigurations"]
    assert config["LambdaFunctionArn"].endswith(f":function:{prefix}UploadsNotificationcreated")
    assert config["Events"] == ["s3:ObjectCreated:*"]
    clients("s3").put_object(Bucket=f"{prefix}uploads".lower(), Key="in/data.txt", Body=b"data")

    # changes in place: schedule, batch size, queue attribute
    config_file = root / "squall.config.py"
    edit(config_file, 'schedule="rate(1 day)"', 'schedule="rate(2 hours)"')
    edit(config_file, '"batch_size": 5', '"batch_size": 7')
    edit(config_file, 'dlq = Queue(stack, "Dead")', 'dlq = Queue(stack, "Dead", visibility_timeout=60)')
    project = load(root, stage)
    plan = diff(project, clients=clients)
    assert plan.actions() == {"Nightly": "update", "JobsConsumerMapping": "update", "Dead": "update"}
    deploy(project, clients=clients)
    assert clients("events").describe_rule(Name=f"{prefix}Nightly")["ScheduleExpression"] == "rate(2 hours)"
    dead = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert dead["VisibilityTimeout"] == "60"
    assert diff(project, clients=clients).is_empty

    remove(project, clients=clients)
    assert leftovers(clients, prefix) == {}
