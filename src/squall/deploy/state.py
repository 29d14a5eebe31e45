"""The stage's state: what squall created, with the properties it applied, kept in the target's S3.

One JSON object per app and stage, ``apps/{app}/{stage}/state.json`` in the versioned bucket
``squall-state-{account}-{region}``. A resource is recorded as ``creating`` *before* the call that makes
it and as ``ready`` right after, so a deploy killed at any point leaves a record from which the next
deploy (or a remove) finds everything it may have made. ``StateRecorder`` writes after every step; steps
finishing together share one write (group commit), so parallel steps don't queue behind each other.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.exceptions import ClientError

from squall.deploy.errors import error_code

JSON = Any
Status = Literal["creating", "ready"]
STATE_VERSION = 1


def state_bucket(account_id: str, region: str) -> str:
    return f"squall-state-{account_id}-{region}"


def stage_prefix(app: str, stage: str) -> str:
    return f"apps/{app}/{stage}/"


@dataclass
class ResourceState:
    type: str
    status: Status
    physical_id: str | None
    properties: dict[str, JSON]
    """The resolved properties last applied (for ``creating``: those about to be applied)."""
    attributes: dict[str, str] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    physical_name: str | None = None

    def to_json(self) -> dict[str, JSON]:
        return {
            "physical_name": self.physical_name,
            "type": self.type,
            "status": self.status,
            "physical_id": self.physical_id,
            "properties": self.properties,
            "attributes": self.attributes,
            "depends_on": self.depends_on,
        }

    @classmethod
    def from_json(cls, data: dict[str, JSON]) -> ResourceState:
        return cls(
            type=data["type"],
            status=data.get("status", "ready"),
            physical_id=data.get("physical_id"),
            properties=data.get("properties", {}),
            attributes=data.get("attributes", {}),
            depends_on=list(data.get("depends_on", [])),
            physical_name=data.get("physical_name"),
        )


@dataclass
class State:
    app: str
    stage: str
    region: str
    resources: dict[str, ResourceState] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, JSON]:
        return {
            "version": STATE_VERSION,
            "app": self.app,
            "stage": self.stage,
            "region": self.region,
            "updated_at": time.time(),
            "resources": {k: v.to_json() for k, v in sorted(self.resources.items())},
            "outputs": dict(sorted(self.outputs.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, JSON]) -> State:
        return cls(
            app=data["app"],
            stage=data["stage"],
            region=data.get("region", ""),
            resources={k: ResourceState.from_json(v) for k, v in data.get("resources", {}).items()},
            outputs=dict(data.get("outputs", {})),
        )

    def copy(self) -> State:
        return copy.deepcopy(self)


class StateStore:
    """Reads and writes a stage's state object in the state bucket (made, versioned, on first use)."""

    def __init__(self, s3: Any, bucket: str, app: str, stage: str, region: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.app = app
        self.stage = stage
        self.region = region
        self.key = stage_prefix(app, stage) + "state.json"
        self._bucket_ready = False

    def ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        try:
            self.s3.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                raise
            kwargs: dict[str, Any] = {"Bucket": self.bucket}
            if self.region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            try:
                self.s3.create_bucket(**kwargs)
            except ClientError as again:
                if error_code(again) not in ("BucketAlreadyOwnedByYou", "OperationAborted"):
                    raise
            self.s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        self._bucket_ready = True

    def exists(self) -> bool:
        """Whether the state bucket exists, without making it (for read-only commands)."""
        try:
            self.s3.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
                return False
            raise
        return True

    def load(self) -> State:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
        except ClientError as exc:
            if error_code(exc) in ("NoSuchKey", "404", "NoSuchBucket", "NotFound"):
                return State(self.app, self.stage, self.region)
            raise
        return State.from_json(json.loads(body))

    def save(self, state: State) -> None:
        body = json.dumps(state.to_json(), indent=1, sort_keys=True).encode()
        self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=body, ContentType="application/json")

    def delete(self) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=self.key)


class StateRecorder:
    """The state being changed by a running deploy; ``commit`` makes the latest change durable."""

    def __init__(self, store: StateStore, state: State) -> None:
        self.store = store
        self.state = state
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._version = 0
        self._written = 0

    def update(self, logical_id: str, entry: ResourceState | None) -> None:
        with self._lock:
            if entry is None:
                self.state.resources.pop(logical_id, None)
            else:
                self.state.resources[logical_id] = entry
            self._version += 1

    def set_outputs(self, outputs: dict[str, str]) -> None:
        with self._lock:
            self.state.outputs = outputs
            self._version += 1

    def get(self, logical_id: str) -> ResourceState | None:
        with self._lock:
            return self.state.resources.get(logical_id)

    def commit(self) -> None:
        """Return once a write including every change made so far has finished."""
        with self._lock:
            wanted = self._version
        with self._write_lock:
            if self._written >= wanted:
                return
            with self._lock:
                snapshot = self.state.copy()
                version = self._version
            self.store.save(snapshot)
            self._written = version
