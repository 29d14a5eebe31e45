"""jobs: background work driven by events — a queue with a dead-letter queue, a schedule, uploads
to a bucket and announcements on a topic. Every job writes what it did to the ``Runs`` table."""

from squall import App, Stack
from squall.constructs import Bucket, Cron, Queue, Table, Topic


def config(input: dict[str, str]) -> dict[str, str]:
    return {"name": "jobs", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(jobs_stack)


def jobs_stack(stack: Stack) -> None:
    runs = Table(
        stack,
        "Runs",
        fields={"job": "string", "id": "string", "detail": "string"},
        primary_index={"partition_key": "job", "sort_key": "id"},
    )
    failed_orders = Queue(stack, "FailedOrders")
    Queue(
        stack,
        "Orders",
        consumer={
            "function": {"handler": "functions/orders.handler", "bind": [runs]},
            "batch_size": 10,
            "report_batch_item_failures": True,
        },
        dlq={"queue": failed_orders, "max_receive_count": 3},
        visibility_timeout=30,
    )
    Cron(
        stack,
        "Heartbeat",
        schedule="rate(1 minute)",
        job={"function": {"handler": "functions/heartbeat.handler", "bind": [runs]}},
    )
    Bucket(
        stack,
        "Uploads",
        notifications={
            "received": {
                "function": {"handler": "functions/uploads.handler", "bind": [runs]},
                "events": ["object_created"],
                "filters": [{"prefix": "incoming/"}],
            }
        },
    )
    Topic(
        stack,
        "Announcements",
        subscribers={"log": {"function": {"handler": "functions/announcements.handler", "bind": [runs]}}},
    )
