"""The deploy lock: one S3 object per app and stage, taken with a conditional put (``If-None-Match: *``).

Whoever holds it is written into it (user@host, pid, command, since when), so a second deploy fails at once
saying who holds it. A lock left by a process of this same host that no longer runs is stale and is taken
over; the takeover deletes the old lock only if it is still the same object (``If-Match`` its ETag), so
two processes reclaiming it at once cannot both win. ``squall unlock`` removes any lock.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from squall.deploy.errors import LockHeld, error_code
from squall.deploy.state import stage_prefix


@dataclass(frozen=True)
class Holder:
    user: str
    host: str
    pid: int
    command: str
    since: float

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
        return f"{self.user}@{self.host} (pid {self.pid}, `{self.command}`) since {when}"

    @classmethod
    def me(cls, command: str | None = None) -> Holder:
        return cls(
            user=_user(),
            host=socket.gethostname(),
            pid=os.getpid(),
            command=command or " ".join(["squall", *sys.argv[1:]]),
            since=time.time(),
        )


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StageLock:
    def __init__(
        self,
        s3: Any,
        bucket: str,
        app: str,
        stage: str,
        *,
        alive: Callable[[int], bool] = _alive,
        hostname: Callable[[], str] = socket.gethostname,
    ) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.app = app
        self.stage = stage
        self.key = stage_prefix(app, stage) + "lock.json"
        self._alive = alive
        self._hostname = hostname

    def acquire(self, holder: Holder) -> None:
        body = json.dumps(holder.__dict__).encode()
        for _ in range(3):
            try:
                self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=body, IfNoneMatch="*")
                return
            except ClientError as exc:
                if error_code(exc) not in ("PreconditionFailed", "ConditionalRequestConflict"):
                    raise
            current = self.read()
            if current is None:
                continue
            found, etag = current
            if found.host == self._hostname() and not self._alive(found.pid) and found.pid != os.getpid():
                self._delete_if_unchanged(etag)
                continue
            raise LockHeld(
                f"{self.app} stage {self.stage} is locked by {found.describe()}",
                hint=f"wait for it to finish; if it died, run `squall unlock --stage {self.stage}`",
            )
        raise LockHeld(f"{self.app} stage {self.stage}: could not take the deploy lock (contended)")

    def read(self) -> tuple[Holder, str] | None:
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            if error_code(exc) in ("NoSuchKey", "404", "NoSuchBucket"):
                return None
            raise
        data = json.loads(response["Body"].read())
        return Holder(**data), str(response["ETag"])

    def _delete_if_unchanged(self, etag: str) -> None:
        try:
            self.s3.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=etag)
        except ClientError as exc:
            if error_code(exc) not in ("PreconditionFailed", "NoSuchKey", "404"):
                raise

    def release(self) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=self.key)

    def force_release(self) -> Holder | None:
        """Remove the lock whoever holds it; the holder it had, if any."""
        current = self.read()
        self.release()
        return current[0] if current else None
