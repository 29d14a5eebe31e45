"""What the console knows about one stage and how it asks the target: the layer under the HTTP routes.

``StageConsole`` owns the invocation store, the pollers that fill it and the log tail, and the explorers.
Its methods are plain blocking calls; the routes run them in worker threads.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from squall.config.loader import Project
from squall.console.broadcast import Broadcaster
from squall.console.deployed import StageRecords, deployed_functions, queue_relations
from squall.console.error_logs import ErrorLogSource
from squall.console.errors import BadRequest, NotFound
from squall.console.explore import Buckets, Queues, Tables, physical, secret_names, stage_resource
from squall.console.feed import LiveFeed
from squall.console.issues import FileDecisions, Issue, IssueDecisions, IssueTracker, Occurrence
from squall.console.log_search import search_logs
from squall.console.samples import SAMPLE_KINDS, sample_event
from squall.console.sources import InvocationSource, LogTail
from squall.console.stats import EMPTY
from squall.console.store import InvocationStore
from squall.console.triggers import FunctionInfo, SampleKind, stage_functions
from squall.deploy.clients import Clients
from squall.errors import SquallError
from squall.runtime.records import InvocationRecord

RESOURCE_KINDS = {
    "AWS::DynamoDB::Table": "table",
    "AWS::S3::Bucket": "bucket",
    "AWS::SQS::Queue": "queue",
    "AWS::Lambda::Function": "function",
    "AWS::ApiGatewayV2::Api": "api",
    "AWS::SNS::Topic": "topic",
    "AWS::Events::Rule": "schedule",
}


STATE_REFRESH_SECONDS = 5.0
NewIssue = Callable[[str, str, str], None]
"""Told ``(error type, where, function)`` when an issue first happens while the console runs."""


def decisions_for(project: Project) -> FileDecisions:
    """Where a stage's resolve/ignore decisions live: ``.squall/console/STAGE.issues.json``, private."""
    return FileDecisions(project.root / ".squall" / "console" / f"{project.graph.stage}.issues.json")


class StageConsole:
    def __init__(
        self,
        project: Project,
        clients: Clients,
        live_feed: LiveFeed | None = None,
        *,
        decisions: IssueDecisions | None = None,
        on_issue: NewIssue | None = None,
    ) -> None:
        self.project = project
        self.graph = project.graph
        self.clients = clients
        self.functions = stage_functions(self.graph)
        self.records = StageRecords(project, clients)
        self.store = InvocationStore()
        self.invocations: Broadcaster[dict[str, Any]] = Broadcaster()
        self.closing = threading.Event()
        self._feed = live_feed
        self._unsubscribe: Any = None
        interval = 0.3 if clients.target == "local" else 1.0
        self.source = InvocationSource(
            clients("logs"), self.functions, self.store, self._announce, interval=interval
        )
        self.log_tail = LogTail(clients("logs"), self.functions, interval=interval * 0.8)
        self._started_ms = int(time.time() * 1000)
        self._functions_read = 0.0
        self._on_issue = on_issue
        self.issues = IssueTracker(
            decisions or decisions_for(project), on_new=self._new_issue, roots=(str(project.root),)
        )
        # An AWS stage has no invocation records: its failures are read from the functions' own logs.
        self.error_logs = (
            ErrorLogSource(clients("logs"), self.functions, self.issues.observe)
            if clients.target == "aws"
            else None
        )

    def update_project(self, project: Project) -> None:
        """Show ``project``'s resources and functions from now on (dev re-applied squall.config.py)."""
        self.project = project
        self.graph = project.graph
        self.records = StageRecords(project, self.clients)
        self.refresh_functions()

    def refresh_functions(self) -> None:
        """Take the function list from what the stage has deployed (its state), the config's triggers added."""
        self._functions_read = time.monotonic()
        self.functions = deployed_functions(stage_functions(self.graph), self.records.state())
        self.source.set_functions(self.functions)
        self.log_tail.set_functions(self.functions)
        if self.error_logs is not None:
            self.error_logs.set_functions(self.functions)

    # lifecycle

    def start(self) -> None:
        self.refresh_functions()
        self.source.start()
        self.log_tail.start()
        if self.error_logs is not None:
            self.error_logs.start()
        if self._feed is not None:
            self._unsubscribe = self._feed.subscribe(self._from_feed)

    def stop(self) -> None:
        self.closing.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.source.stop()
        self.log_tail.stop()
        if self.error_logs is not None:
            self.error_logs.stop()

    def _from_feed(self, record: InvocationRecord) -> None:
        fresh = self.store.add([record])
        if fresh:
            self.log_tail.from_feed(record)
            self._announce(fresh)

    def _new_issue(self, issue: Issue, occurrence: Occurrence) -> None:
        # Issues found in the history read at start are not news.
        if self._on_issue is not None and occurrence.at >= self._started_ms - 1000:
            self._on_issue(issue.error_type, issue.where() or occurrence.function, occurrence.function)

    def _announce(self, records: list[InvocationRecord]) -> None:
        self.issues.observe_records(records)
        for record in sorted(records, key=lambda r: r.at):
            self.invocations.publish(record.summary())

    # stage

    def function(self, logical_id: str) -> FunctionInfo:
        for function in self.functions:
            if function.logical_id == logical_id or function.name == logical_id:
                return function
        raise NotFound(f"the stage has no function {logical_id!r}")

    def stage(self) -> dict[str, Any]:
        relations = queue_relations(self.graph)
        resources = [
            {
                "logicalId": r.logical_id,
                "type": r.type,
                "kind": RESOURCE_KINDS.get(r.type, "other"),
                "physicalName": r.physical_name,
                "construct": r.construct,
                **relations.get(r.logical_id, {}),
            }
            for r in sorted(self.graph.resources, key=lambda r: (r.construct, r.logical_id))
        ]
        return {
            "app": self.graph.app,
            "stage": self.graph.stage,
            "region": self.graph.region,
            "target": self.clients.target,
            "resources": resources,
            "sampleKinds": list(SAMPLE_KINDS),
        }

    def outputs(self) -> dict[str, Any]:
        from squall.deploy import outputs as read_outputs

        try:
            return {"outputs": read_outputs(self.project, clients=self.clients), "note": None}
        except (SquallError, ClientError, BotoCoreError) as exc:
            return {"outputs": {}, "note": str(exc).splitlines()[0]}

    def deploys(self) -> list[dict[str, Any]]:
        """The stage's recorded deploys and removes, newest first."""
        return self.records.history()

    def search_logs(
        self, pattern: str, function: str | None, start_ms: int | None, end_ms: int | None, limit: int
    ) -> dict[str, Any]:
        """Log lines matching a CloudWatch filter pattern, across functions, in time order."""
        return search_logs(
            self.clients("logs"),
            self.functions,
            pattern,
            function,
            start_ms=start_ms,
            end_ms=end_ms,
            limit=limit,
        )

    def secrets(self) -> list[dict[str, Any]]:
        return secret_names(self.clients("ssm"), self.graph)

    def function_list(self) -> list[dict[str, Any]]:
        if time.monotonic() - self._functions_read > STATE_REFRESH_SECONDS:
            self.refresh_functions()  # a deploy from elsewhere (another terminal, CI) shows up
        stats = self.store.stats()
        return [{**f.to_json(), "stats": stats.get(f.name, EMPTY).to_json()} for f in self.functions]

    # invoke

    def sample(self, logical_id: str, kind: str | None) -> Any:
        function = self.function(logical_id)
        chosen = kind or function.sample_kind
        if chosen not in SAMPLE_KINDS:
            raise BadRequest(f"no sample {chosen!r}; choose one of {', '.join(SAMPLE_KINDS)}")
        sample_kind: SampleKind = chosen
        return sample_event(sample_kind, function, self.graph.region)

    def invoke(self, logical_id: str, event: Any) -> dict[str, Any]:
        function = self.function(logical_id)
        started = time.monotonic()
        try:
            response = self.clients("lambda").invoke(
                FunctionName=function.name,
                Payload=json.dumps(event).encode(),
                LogType="Tail",
            )
        except ClientError as exc:
            raise BadRequest(f"{function.name}: {exc.response.get('Error', {}).get('Message', exc)}") from exc
        payload = response["Payload"].read()
        try:
            result: Any = json.loads(payload) if payload else None
        except ValueError:
            result = payload.decode("utf-8", "replace")
        logs = response.get("LogResult")
        return {
            "function": function.name,
            "statusCode": response.get("StatusCode"),
            "error": response.get("FunctionError"),
            "response": result,
            "logs": base64.b64decode(logs).decode("utf-8", "replace") if logs else "",
            "elapsedMs": round((time.monotonic() - started) * 1000, 1),
        }

    # explorers

    def table(self, logical_id: str) -> tuple[Tables, str]:
        return Tables(self.clients("dynamodb")), physical(
            stage_resource(self.graph, logical_id, "AWS::DynamoDB::Table")
        )

    def bucket(self, logical_id: str) -> tuple[Buckets, str]:
        return Buckets(self.clients("s3")), physical(
            stage_resource(self.graph, logical_id, "AWS::S3::Bucket")
        )

    def queue(self, logical_id: str) -> tuple[Queues, str]:
        return Queues(self.clients("sqs")), physical(
            stage_resource(self.graph, logical_id, "AWS::SQS::Queue")
        )
