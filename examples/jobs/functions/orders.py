"""Orders queue consumer: an order without a positive ``quantity`` is reported as failed, so SQS
retries it and, after three receives, moves it to the FailedOrders queue."""

import json
from typing import Any

from functions.runs import record


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for message in event["Records"]:
        try:
            order = json.loads(message["body"])
            if int(order["quantity"]) <= 0:
                raise ValueError("quantity must be positive")
        except (ValueError, KeyError, TypeError):
            failures.append({"itemIdentifier": message["messageId"]})
            continue
        record("orders", order)
    return {"batchItemFailures": failures}
