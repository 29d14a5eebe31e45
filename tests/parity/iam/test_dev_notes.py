"""Under ``squall dev`` a denial reaches the dev session's terminal: the local cloud tells the live server."""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path
from typing import Any

from squall import cloud
from squall.dev.live_server import LiveServer
from squall.host.live import LiveRegistry, Session

NOTE = "[squall] IAM denied dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/a-s-Notes: add bind=[Notes]"


def never_invoked(*args: Any) -> Any:
    raise AssertionError("not an invocation")


def test_the_local_cloud_tells_the_dev_session_what_iam_denied(tmp_path: Path) -> None:
    key = cloud.credentials(tmp_path)
    told: list[tuple[str, list[str]]] = []
    server = LiveServer(never_invoked, key, lambda function, lines: told.append((function, lines)))
    server.start()
    try:
        registry = LiveRegistry(key=lambda: key)
        session = Session("s1", server.url, frozenset({"a-s-Writer"}), time.monotonic() + 15)
        registry.tell(session, "a-s-Writer", [NOTE])
        assert told == [("a-s-Writer", [NOTE])]
        # nobody else can put notes on the developer's screen
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            forged = json.dumps({"function": "a-s-Writer", "lines": ["forged"]})
            connection.request("POST", "/denials", forged, {"content-type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 403
        finally:
            connection.close()
        assert len(told) == 1
    finally:
        server.stop()
