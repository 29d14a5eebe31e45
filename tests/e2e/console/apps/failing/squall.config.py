"""failing: two functions that fail in three different ways, and log plain and JSON lines."""

from squall import App, Stack
from squall.constructs import Function, Queue


def config(input: dict[str, str]) -> dict[str, str]:
    return {"name": "failing", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(failing_stack)


def failing_stack(stack: Stack) -> None:
    Function(stack, "Orders", "functions/orders.handler")
    Function(stack, "Payments", "functions/payments.handler")
    Queue(stack, "Jobs", dlq={"queue": Queue(stack, "JobsDead"), "max_receive_count": 3})
