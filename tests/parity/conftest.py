"""The production-parity tier: what fails on AWS fails here, with AWS's codes and messages.

Each test describes a small app (``squall.config.py`` and handler files) and runs it twice, through the
``app`` fixture: deployed to a stage of the session's local cloud (the functions run from their uploaded
packages), and under a dev session (``squall dev``'s ``DevSession``: the same stage, its functions run live
from the source tree). Either way requests go where a user's would: boto3 ``Invoke`` to the local cloud,
HTTP to the API's endpoint, ``FilterLogEvents`` for the function's log group.

- ``app(config, files)`` → ``RunningApp``: ``invoke(function, payload)``, ``name(function)``,
  ``outputs``, ``events(function, request_id)``.
- ``mode``: ``"deployed"`` or ``"dev"``, for tests that say which one applies.

A test of IAM enforcement lives in ``tests/parity/iam/``.
"""

from __future__ import annotations

import io
import json
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from squall import cloud
from squall.cloud import CloudInfo
from squall.config import Project, load_project
from squall.deploy import Clients, boto3_clients, deploy
from squall.dev.session import DevSession
from squall.dev.view import TerminalView
from tests.integration.conftest import local_cloud, local_cloud_home  # noqa: F401 - fixtures

REGION = "us-east-1"
MODES = ("deployed", "dev")


@dataclass
class RunningApp:
    project: Project
    clients: Clients
    outputs: dict[str, str]
    mode: str
    session: DevSession | None = None
    ran_live: set[str] = field(default_factory=set)
    """Request ids the dev session ran (so a dev test knows its function did not fall back to the deployed code)."""
    _lambda: Any = field(default=None, repr=False)

    def name(self, function: str) -> str:
        """The physical name of the function whose logical id is ``function``."""
        for resource in self.project.graph.of_type("AWS::Lambda::Function"):
            if resource.logical_id == function:
                return str(resource.physical_name)
        raise KeyError(function)

    def lambda_client(self) -> Any:
        if self._lambda is None:
            self._lambda = self.clients("lambda")
        return self._lambda

    def invoke(self, function: str, payload: Any = None, **kwargs: Any) -> dict[str, Any]:
        """boto3 ``Invoke``; the answer with its ``Payload`` read and parsed."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload if payload is not None else {})
        answer = dict(self.lambda_client().invoke(FunctionName=self.name(function), Payload=body, **kwargs))
        raw = answer["Payload"].read()
        answer["Payload"] = json.loads(raw) if raw else None
        if self.session is not None and kwargs.get("InvocationType", "RequestResponse") == "RequestResponse":
            assert answer["ResponseMetadata"]["RequestId"] in self.ran_live, "the dev session did not run it"
        return answer

    def events(self, function: str, request_id: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The log events of one invocation (from its START to its REPORT), once REPORT has arrived."""
        logs = self.clients("logs")
        group = f"/aws/lambda/{self.name(function)}"
        deadline = time.monotonic() + timeout
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            try:
                found = logs.filter_log_events(logGroupName=group)["events"]
            except logs.exceptions.ResourceNotFoundException:
                found = []
            mine = _between(found, request_id)
            if mine is not None:
                return mine
            time.sleep(0.1)
        raise AssertionError(f"no REPORT for {request_id} in {group} within {timeout} s: {found}")


def _between(events: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]] | None:
    start = end = None
    for index, event in enumerate(events):
        message = event["message"]
        if request_id in message and ("START" in message or "platform.start" in message):
            start = index
        if request_id in message and ("REPORT" in message or "platform.report" in message):
            end = index
    if start is None or end is None:
        return None
    return events[start : end + 1]


AppFactory = Callable[..., RunningApp]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clients(local_cloud: CloudInfo) -> Clients:  # noqa: F811 - the fixture imported above
    return boto3_clients(
        target="local",
        region=REGION,
        endpoint=local_cloud.endpoint,
        credentials=cloud.credentials(local_cloud.home),
    )


@pytest.fixture
def app(mode: str, clients: Clients, tmp_path: Path) -> Iterator[AppFactory]:
    """``app(stacks_body, files)``: the app deployed (``mode`` "deployed") or run live (``mode`` "dev").

    ``stacks_body`` is the body of ``def stacks(app)``'s one stack function, with ``stack`` in scope.
    """
    sessions: list[DevSession] = []

    def make(stack_body: str, files: dict[str, str], name: str = "parity") -> RunningApp:
        root = tmp_path / f"{name}-{uuid.uuid4().hex[:6]}"
        root.mkdir()
        config = (
            "from squall import App, Stack\n"
            "from squall.constructs import Api, Function, Queue, Table\n\n"
            "def config(input):\n"
            f"    return {{'name': {name!r}, 'region': {REGION!r}}}\n\n"
            "def stacks(app: App) -> None:\n"
            "    app.stack(main)\n\n"
            "def main(stack: Stack) -> None:\n"
            + textwrap.indent(textwrap.dedent(stack_body).strip(), "    ")
            + "\n"
        )
        (root / "squall.config.py").write_text(config, encoding="utf-8")
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        stage = f"p{uuid.uuid4().hex[:8]}"
        project = load_project(root / "squall.config.py", stage)
        if mode == "deployed":
            result = deploy(project, clients=clients, command="parity test")
            return RunningApp(project, clients, dict(result.outputs), mode)
        ran: set[str] = set()
        session = DevSession(
            project,
            clients=clients,
            view=TerminalView(Console(file=io.StringIO())),
            listeners=[lambda function, event, result: ran.add(result.request_id)],
        )
        sessions.append(session)
        session.start()
        return RunningApp(project, clients, dict(session.outputs), mode, session, ran)

    try:
        yield make
    finally:
        for session in sessions:
            session.stop(update_deployed_code=False)
