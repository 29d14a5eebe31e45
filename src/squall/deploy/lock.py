"""The deploy lock: one S3 object per app and stage, taken with a conditional put (``If-None-Match: *``).

The object names the lock (a random ID) and its holder (user@host, pid, command, since when), so a second
deploy fails at once saying who holds it. While a run holds it, a heartbeat rewrites it every few seconds,
each time on condition that it is still the object this run wrote last (``If-Match`` its ETag); so does the
release, so a run only ever removes its own lock. Before each change the run checks that the lock is still
its own (``HeldLock.check``): one whose lock was taken over (``squall unlock``) stops there and says so.

A lock left by a process of this same host that no longer runs is stale and is taken over; the takeover
deletes the old lock only if it is still the same object, so two processes reclaiming it at once cannot
both win. ``squall unlock`` removes a lock after showing its holder, again only the very object it showed,
and also removes a lock object that cannot be read.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any

from botocore.exceptions import ClientError

from squall.deploy.errors import DeployError, LockDamaged, LockHeld, LockLost, StopDeploy, error_code
from squall.deploy.state import CONDITION_FAILED, MISSING, Call, _direct, stage_prefix

HEARTBEAT_EVERY = 10.0
"""Seconds between two heartbeats of a held lock."""


@dataclass(frozen=True)
class Holder:
    user: str
    host: str
    pid: int
    command: str
    since: float
    id: str = ""
    """The lock's ID, made when it is taken."""
    heartbeat: float = 0.0
    """When the holder last said it is alive (its clock, seconds since the epoch)."""

    def describe(self, now: float | None = None) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
        text = f"{self.user}@{self.host} (pid {self.pid}, `{self.command}`) since {when}"
        if self.id:
            text += f", lock ID {self.id}"
        if self.heartbeat:
            age = max(0.0, (time.time() if now is None else now) - self.heartbeat)
            text += f", last heartbeat {_age(age)} ago"
        return text

    @classmethod
    def me(cls, command: str | None = None) -> Holder:
        now = time.time()
        return cls(
            user=_user(),
            host=socket.gethostname(),
            pid=os.getpid(),
            command=command or " ".join(["squall", *sys.argv[1:]]),
            since=now,
            id=str(uuid.uuid4()),
            heartbeat=now,
        )

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @classmethod
    def from_json(cls, body: bytes) -> Holder:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError(f"a JSON {type(data).__name__}, not an object")
        return cls(
            user=str(data["user"]),
            host=str(data["host"]),
            pid=int(data["pid"]),
            command=str(data["command"]),
            since=float(data["since"]),
            id=str(data.get("id", "")),
            heartbeat=float(data.get("heartbeat", 0.0)),
        )


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


@dataclass(frozen=True)
class LockObject:
    """The lock object as found: its holder, or why it cannot be read (``problem``)."""

    etag: str
    holder: Holder | None
    problem: str | None = None

    def describe(self) -> str:
        if self.holder is not None:
            return self.holder.describe()
        return f"nobody that can be told: the lock object is damaged ({self.problem})"


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
        call: Call = _direct,
        beat_every: float = HEARTBEAT_EVERY,
    ) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.app = app
        self.stage = stage
        self.key = stage_prefix(app, stage) + "lock.json"
        self._alive = alive
        self._hostname = hostname
        self._call = call
        self.beat_every = beat_every

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def acquire(self, holder: Holder) -> HeldLock:
        if not holder.id:
            holder = replace(holder, id=str(uuid.uuid4()))
        for _ in range(3):
            try:
                response = self._call(
                    self.s3.put_object,
                    Bucket=self.bucket,
                    Key=self.key,
                    Body=holder.to_json(),
                    IfNoneMatch="*",
                )
                return HeldLock(self, holder, str(response["ETag"]))
            except ClientError as exc:
                if error_code(exc) not in (*CONDITION_FAILED, "ConditionalRequestConflict"):
                    raise
            current = self.read()
            if current is None:
                continue
            found = current.holder
            if found is None:
                raise LockDamaged(
                    f"the deploy lock of {self.app} stage {self.stage} ({self.where}) is damaged: "
                    f"{current.problem}",
                    hint=f"if no deploy of the stage is running, `squall unlock --stage {self.stage}` removes it",
                )
            if found.host == self._hostname() and not self._alive(found.pid) and found.pid != os.getpid():
                self._delete_if_unchanged(current.etag)
                continue
            raise LockHeld(
                f"{self.app} stage {self.stage} is locked by {found.describe()}",
                hint=f"wait for it to finish; if it died, run `squall unlock --stage {self.stage}` "
                "(it shows the holder and asks before releasing)",
            )
        raise LockHeld(f"{self.app} stage {self.stage}: could not take the deploy lock (contended)")

    @contextmanager
    def held(self, holder: Holder, *, on_lost: Callable[[str], None] | None = None) -> Iterator[HeldLock]:
        """Hold the lock (with its heartbeat) for the block; release it after, if it is still ours."""
        lock = self.acquire(holder)
        lock.start_heartbeat()
        failed = False
        try:
            yield lock
        except BaseException:
            failed = True
            raise
        finally:
            lock.stop_heartbeat()
            try:
                lost = lock.release()
            except StopDeploy:
                if not failed:
                    raise
                lost = None  # the run already failed (the target is gone, say): that error is the news
            if lost and on_lost is not None and not failed:
                on_lost(lost)

    def read(self) -> LockObject | None:
        try:
            response = self._call(self.s3.get_object, Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            if error_code(exc) in MISSING:
                return None
            raise
        body = response["Body"].read()
        etag = str(response["ETag"])
        try:
            return LockObject(etag, Holder.from_json(body))
        except (ValueError, KeyError, TypeError) as exc:
            reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            return LockObject(etag, None, f"{len(body)} bytes that are not a lock record: {reason}")

    def etag(self) -> str | None:
        try:
            return str(self._call(self.s3.head_object, Bucket=self.bucket, Key=self.key)["ETag"])
        except ClientError as exc:
            if error_code(exc) in MISSING:
                return None
            raise

    def _delete_if_unchanged(self, etag: str) -> bool:
        """Delete the lock object if it is still ``etag``; whether it was."""
        try:
            self._call(self.s3.delete_object, Bucket=self.bucket, Key=self.key, IfMatch=etag)
        except ClientError as exc:
            if error_code(exc) in (*CONDITION_FAILED, *MISSING):
                return False
            raise
        return True

    def force_release(
        self, lock_id: str | None = None, *, seen: LockObject | None = None
    ) -> LockObject | None:
        """Remove the lock whoever holds it (only the object ``seen``, when given, or with ID ``lock_id``);
        the lock it was, None when there was none."""
        current = self.read()
        if current is None:
            return None
        if seen is not None and current.etag != seen.etag:
            raise DeployError(
                f"the deploy lock of {self.app} stage {self.stage} changed while you were deciding: "
                f"it is now held by {current.describe()}",
                hint="nothing was released; run `squall unlock` again to see the new holder",
            )
        if lock_id is not None and (current.holder is None or current.holder.id != lock_id):
            held = current.holder.id if current.holder is not None else "none (damaged)"
            raise DeployError(
                f"the deploy lock of {self.app} stage {self.stage} has ID {held}, not {lock_id}: "
                f"it is held by {current.describe()}",
                hint="nothing was released; check the ID (the error of a blocked deploy shows it)",
            )
        if not self._delete_if_unchanged(current.etag):
            raise DeployError(
                f"the deploy lock of {self.app} stage {self.stage} changed while being released",
                hint="nothing was released; run `squall unlock` again to see the new holder",
            )
        return current


class HeldLock:
    """The lock as held by this run: its ETag follows the heartbeats; ``check`` before every change."""

    def __init__(self, lock: StageLock, holder: Holder, etag: str) -> None:
        self.lock = lock
        self.holder = holder
        self.etag = etag
        self.lost: str | None = None
        """Why the lock is no longer this run's, once that was seen."""
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> None:
        """Raise ``LockLost`` unless the lock object is still the one this run wrote last."""
        if self.lost is None:
            seen = self.etag
            found = self.lock.etag()
            if found == seen:
                return
            with self._mutex:  # a heartbeat may have just rewritten it: compare with its result
                if self.lost is None and found != self.etag and self.lock.etag() != self.etag:
                    self.lost = self._who_now()
        if self.lost is not None:
            raise LockLost(
                f"the deploy lock of {self.lock.app} stage {self.lock.stage} was taken from this run "
                f"({self.lost}); it stopped before its next change",
                hint="what it applied is recorded in the state; the run that holds the lock now continues "
                "from there (check with `squall diff`)",
            )

    def _who_now(self) -> str:
        current = self.lock.read()
        if current is None:
            return "it was removed, by `squall unlock` most likely"
        return f"it is now held by {current.describe()}"

    def beat(self) -> None:
        """Rewrite the lock with a fresh heartbeat, if it is still ours."""
        with self._mutex:
            if self.lost is not None:
                return
            updated = replace(self.holder, heartbeat=time.time())
            try:
                response = self.lock._call(
                    self.lock.s3.put_object,
                    Bucket=self.lock.bucket,
                    Key=self.lock.key,
                    Body=updated.to_json(),
                    IfMatch=self.etag,
                )
            except ClientError as exc:
                if error_code(exc) not in (*CONDITION_FAILED, *MISSING):
                    raise
                self.lost = self._who_now()
                return
            self.holder = updated
            self.etag = str(response["ETag"])

    def start_heartbeat(self) -> None:
        self._thread = threading.Thread(target=self._beat_loop, name="squall-lock-heartbeat", daemon=True)
        self._thread.start()

    def _beat_loop(self) -> None:
        while not self._stop.wait(self.lock.beat_every):
            try:
                self.beat()
            except Exception:
                continue  # a missed beat is harmless; a lost lock is seen by the next check

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def release(self) -> str | None:
        """Delete the lock if it is still ours; otherwise leave it, and say whose it is now."""
        with self._mutex:
            if self.lost is None and self.lock._delete_if_unchanged(self.etag):
                return None
            if self.lost is None:
                self.lost = self._who_now()
            return self.lost
