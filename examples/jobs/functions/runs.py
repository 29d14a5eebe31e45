"""Writing a job's run to the ``Runs`` table."""

import json
import time
import uuid
from typing import Any

from squall import Resource


def record(job: str, detail: Any) -> None:
    run_id = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
    Resource.Runs.put({"job": job, "id": run_id, "detail": json.dumps(detail)})
