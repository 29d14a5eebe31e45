"""The stage's state: what squall created, with the properties it applied, kept in the target's S3.

One JSON object per app and stage, ``apps/{app}/{stage}/state.json`` in the versioned bucket
``squall-state-{account}-{region}``. A resource is recorded as ``creating`` *before* the call that makes
it and as ``ready`` right after, so a deploy killed at any point leaves a record from which the next
deploy (or a remove) finds everything it may have made. ``StateRecorder`` writes after every step; steps
finishing together share one write (group commit), so parallel steps don't queue behind each other.

Writes are conditional on the version read (S3 ``If-Match``), so two runs can never interleave their writes,
and the bucket keeps every version, so a bad write can be undone (``squall state list|show|restore``).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import ClientError

from squall.deploy.errors import DeployError, StateConflict, StateDamaged, error_code

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


@dataclass(frozen=True)
class StateVersion:
    """One version of a stage's state object (the bucket is versioned)."""

    version_id: str
    modified: datetime
    size: int
    latest: bool
    deleted: bool = False
    """A delete marker: the stage was removed at that point."""


Call = Callable[..., Any]


def _direct(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


MISSING = ("NoSuchKey", "404", "NoSuchBucket", "NotFound")
CONDITION_FAILED = ("PreconditionFailed", "412")


class StateStore:
    """Reads and writes a stage's state object in the state bucket (made, versioned, on first use).

    Every write is conditional on the version this store read or wrote last (``If-Match`` its ETag, or
    ``If-None-Match: *`` when there was none), so a writer whose view is stale fails with ``StateConflict``
    instead of overwriting what another run recorded. ``call`` runs each S3 call (a ``Retrier``'s ``call``).
    """

    def __init__(
        self, s3: Any, bucket: str, app: str, stage: str, region: str, *, call: Call = _direct
    ) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.app = app
        self.stage = stage
        self.region = region
        self.key = stage_prefix(app, stage) + "state.json"
        self.etag: str | None = None
        """The ETag of the version last read or written; None: there was none."""
        self._call = call
        self._bucket_ready = False

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        try:
            self._call(self.s3.head_bucket, Bucket=self.bucket)
        except ClientError as exc:
            if error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                raise
            kwargs: dict[str, Any] = {"Bucket": self.bucket}
            if self.region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            try:
                self._call(self.s3.create_bucket, **kwargs)
            except ClientError as again:
                if error_code(again) not in ("BucketAlreadyOwnedByYou", "OperationAborted"):
                    raise
            self._call(
                self.s3.put_bucket_versioning,
                Bucket=self.bucket,
                VersioningConfiguration={"Status": "Enabled"},
            )
        self._bucket_ready = True

    def exists(self) -> bool:
        """Whether the state bucket exists, without making it (for read-only commands)."""
        try:
            self._call(self.s3.head_bucket, Bucket=self.bucket)
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
                return False
            raise
        return True

    def _get(self, version_id: str | None = None) -> tuple[bytes, str] | None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self.key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            response = self._call(self.s3.get_object, **kwargs)
        except ClientError as exc:
            if error_code(exc) in MISSING:
                return None
            if version_id and error_code(exc) in ("NoSuchVersion", "InvalidArgument", "400"):
                raise DeployError(
                    f"the state of {self.app} stage {self.stage} has no version {version_id!r}",
                    hint=f"`squall state list --stage {self.stage}` lists its versions",
                ) from exc
            raise
        return response["Body"].read(), str(response["ETag"])

    def load(self) -> State:
        """The stage's state (empty when it has none); ``StateDamaged`` when it cannot be read."""
        found = self._get()
        if found is None:
            self.etag = None
            return State(self.app, self.stage, self.region)
        body, self.etag = found
        return self.parse(body)

    def parse(self, body: bytes, version_id: str | None = None) -> State:
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError(f"a JSON {type(data).__name__}, not an object")
            state = State.from_json(data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            reason = f"{type(exc).__name__}: {exc}" if isinstance(exc, KeyError) else str(exc)
            which = f"version {version_id} of " if version_id else ""
            raise StateDamaged(
                f"{which}the state of {self.app} stage {self.stage} ({self.where}) is damaged: {reason}",
                hint=self.recovery_hint(),
            ) from exc
        if (state.app, state.stage) != (self.app, self.stage):
            raise StateDamaged(
                f"the state object {self.where} records app {state.app!r} stage {state.stage!r}, "
                f"not {self.app!r} stage {self.stage!r}",
                hint=self.recovery_hint(),
            )
        return state

    def recovery_hint(self) -> str:
        return (
            f"`squall state list --stage {self.stage}` lists its earlier versions, "
            f"`squall state show VERSION --stage {self.stage}` shows one, and "
            f"`squall state restore VERSION --stage {self.stage}` puts a good one back"
        )

    def save(self, state: State) -> None:
        self.write(json.dumps(state.to_json(), indent=1, sort_keys=True).encode())

    def write(self, body: bytes) -> None:
        """Put ``body`` as the state, on condition that the state is still the version last seen."""
        condition = {"IfMatch": self.etag} if self.etag else {"IfNoneMatch": "*"}
        try:
            response = self._call(
                self.s3.put_object,
                Bucket=self.bucket,
                Key=self.key,
                Body=body,
                ContentType="application/json",
                **condition,
            )
        except ClientError as exc:
            if error_code(exc) not in (*CONDITION_FAILED, *MISSING):
                raise
            # A retried put whose first try did land fails its own condition: that is success.
            current = self._get()
            if current is not None and current[0] == body:
                self.etag = current[1]
                return
            raise self._conflict() from exc
        self.etag = str(response["ETag"])

    def _conflict(self) -> StateConflict:
        return StateConflict(
            f"the state of {self.app} stage {self.stage} ({self.where}) changed since this run read it: "
            "another deploy or remove wrote it (one that kept running after `squall unlock`?); "
            "this run stopped without overwriting it",
            hint="run the command again: it reads the latest state and continues from there",
        )

    def delete(self) -> None:
        """Remove the state (a delete marker: earlier versions stay), if it is still the version last seen."""
        if self.etag is None:
            return
        try:
            self._call(self.s3.delete_object, Bucket=self.bucket, Key=self.key, IfMatch=self.etag)
        except ClientError as exc:
            if error_code(exc) in MISSING:
                return
            if error_code(exc) in CONDITION_FAILED:
                raise self._conflict() from exc
            raise
        self.etag = None

    def head_etag(self) -> str | None:
        """The ETag of the current state object, without reading it (None: there is none)."""
        try:
            return str(self._call(self.s3.head_object, Bucket=self.bucket, Key=self.key)["ETag"])
        except ClientError as exc:
            if error_code(exc) in MISSING:
                return None
            raise

    def versions(self) -> list[StateVersion]:
        """Every version of the state object, newest first."""
        found: list[StateVersion] = []
        paginator = self.s3.get_paginator("list_object_versions")
        for page in self._call(lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=self.key))):
            for item in page.get("Versions", []):
                if item["Key"] == self.key:
                    found.append(
                        StateVersion(item["VersionId"], item["LastModified"], item["Size"], item["IsLatest"])
                    )
            for item in page.get("DeleteMarkers", []):
                if item["Key"] == self.key:
                    found.append(
                        StateVersion(item["VersionId"], item["LastModified"], 0, item["IsLatest"], True)
                    )
        return sorted(found, key=lambda v: v.modified, reverse=True)

    def read_version(self, version_id: str) -> bytes:
        found = self._get(version_id)
        if found is None:
            raise DeployError(
                f"the state of {self.app} stage {self.stage} has no version {version_id!r}",
                hint=f"`squall state list --stage {self.stage}` lists its versions",
            )
        return found[0]

    def restore(self, version_id: str) -> State:
        """Make version ``version_id`` the current state again (as a new version); the state it holds."""
        body = self.read_version(version_id)
        state = self.parse(body, version_id)
        self.etag = self.head_etag()
        self.write(body)
        return state


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
