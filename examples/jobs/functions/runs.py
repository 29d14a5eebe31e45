"""Writing a job's run to the ``Runs`` table."""

import json
import time
import uuid
from typing import Any

import boto3

from squall import Resource

table = boto3.resource("dynamodb").Table(Resource.Runs.table_name)


def record(job: str, detail: Any) -> None:
    table.put_item(
        Item={"job": job, "id": f"{time.time():.6f}-{uuid.uuid4().hex[:8]}", "detail": json.dumps(detail)}
    )
