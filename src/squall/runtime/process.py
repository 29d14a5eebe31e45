"""The parent's handle on one worker process: spawn it, wait for its init, run invocations on it.

The worker gets one end of a Unix socketpair (inherited by fd number); frames on it are described in
``worker.py``. A socketpair rather than the child's stdin/stdout keeps the handler's own output and the
protocol apart, and its EOF tells the parent at once that the worker died, with no polling.

Each worker leads a session (and process group) of its own, so whatever its handler starts belongs to it:
stopping a worker kills the whole group, whether the worker timed out, crashed, exited or was retired. A
worker whose parent dies kills its own group (``worker.py``), so not even ``kill -9`` of the local cloud or
of ``squall dev`` leaves a handler's children behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from squall.runtime import worker as protocol

WORKER_SCRIPT = Path(protocol.__file__)

LogSink = Callable[[str], None]


@dataclass(frozen=True)
class InitOutcome:
    init_ms: float
    error: dict[str, object] | None
    logs: str


@dataclass(frozen=True)
class Outcome:
    """How one invocation on a worker ended, before the pool turns it into an ``InvocationResult``."""

    kind: Literal["ok", "error", "timeout", "exit"]
    payload: object
    logs: str
    duration_ms: float
    max_memory_mb: int = 0
    exit_reason: str = ""


class WorkerGone(Exception):
    """The worker died or stopped answering before its init finished."""

    def __init__(self, reason: str, logs: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.logs = logs


def kill_group(pid: int) -> None:
    """SIGKILL the process group ``pid`` leads, its leader gone or not; nothing when the group is empty."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class WorkerProcess:
    """One running worker. Not thread-safe: the pool hands a worker to one invocation at a time."""

    idle_since = 0.0
    """When the pool last put the worker back among its idle ones (the pool's clock)."""
    group_killed = False

    def __init__(
        self,
        *,
        python: str,
        code_dir: Path,
        launcher: tuple[str, ...] = (),
        env: dict[str, str],
        log_stream_name: str,
        generation: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._clock = clock
        self.started_at = clock()
        self.log_stream_name = log_stream_name
        self.generation = generation
        self.used = False
        self.init: InitOutcome | None = None
        self._pending_logs: list[str] = []
        try:
            self.proc = subprocess.Popen(
                [python, *launcher, str(WORKER_SCRIPT), str(child_end.fileno())],
                cwd=code_dir,
                env=env,
                pass_fds=(child_end.fileno(),),
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()
        self.channel = protocol.Channel(parent_end)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float, on_log: LogSink | None = None) -> InitOutcome:
        """Block until the worker has imported the handler (or failed to); idempotent."""
        if self.init is not None:
            return self.init
        deadline = self._clock() + timeout
        while True:
            try:
                frame = self.channel.recv(max(deadline - self._clock(), 0.0))
            except TimeoutError:
                raise WorkerGone("init timed out", "".join(self._pending_logs)) from None
            if frame is None:
                raise WorkerGone(self._exit_reason(), "".join(self._pending_logs))
            kind, body = frame
            if kind == protocol.LOG:
                text = body.decode("utf-8", "replace")
                self._pending_logs.append(text)
                if on_log is not None:
                    on_log(text)
            elif kind == protocol.INIT:
                info: dict[str, Any] = json.loads(body)
                self.init = InitOutcome(float(info["init_ms"]), info["error"], "".join(self._pending_logs))
                self._pending_logs.clear()
                return self.init

    def invoke(
        self,
        request_id: str,
        event: object,
        *,
        timeout: float,
        deadline_ms: int,
        arn: str,
        client_context: object = None,
        identity: object = None,
        on_log: LogSink | None = None,
    ) -> Outcome:
        """Run one invocation; the worker must be ready. A timeout kills the worker."""
        message = {
            "id": request_id,
            "event": event,
            "deadline_ms": deadline_ms,
            "arn": arn,
            "client_context": client_context,
            "identity": identity,
        }
        self.used = True
        logs: list[str] = []
        start = self._clock()
        deadline = start + timeout
        try:
            self.channel.send(protocol.INVOKE, json.dumps(message).encode())
        except OSError:
            return Outcome("exit", None, "", (self._clock() - start) * 1000, exit_reason=self._exit_reason())
        while True:
            try:
                frame = self.channel.recv(max(deadline - self._clock(), 0.0))
            except TimeoutError:
                self.kill()
                return Outcome("timeout", None, "".join(logs), timeout * 1000)
            if frame is None:
                elapsed = (self._clock() - start) * 1000
                return Outcome("exit", None, "".join(logs), elapsed, exit_reason=self._exit_reason())
            kind, body = frame
            if kind == protocol.LOG:
                text = body.decode("utf-8", "replace")
                logs.append(text)
                if on_log is not None:
                    on_log(text)
            elif kind == protocol.RESULT:
                result: dict[str, Any] = json.loads(body)
                ok = bool(result["ok"])
                return Outcome(
                    "ok" if ok else "error",
                    result["payload"] if ok else result["error"],
                    "".join(logs),
                    float(result["dur"]),
                    int(result["mem"]),
                )

    def _exit_reason(self) -> str:
        try:
            code = self.proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.wait()
        if code < 0:
            name = {
                signal.SIGKILL: "killed",
                signal.SIGTERM: "terminated",
                signal.SIGSEGV: "segmentation fault",
            }
            return f"signal: {name.get(signal.Signals(-code), signal.Signals(-code).name)}"
        return f"exit status {code}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """Stop the worker and everything it started, and reap it; safe to call more than once, from any thread.

        The group outlives its leader while a member lives, so this also finds what a worker that already
        exited left running.
        """
        if not self.group_killed:
            # Once only: after the group is gone and the leader reaped, its number may be another's.
            self.group_killed = True
            kill_group(self.proc.pid)
        self.proc.wait()

    def close(self) -> None:
        self.kill()
        self.channel.sock.close()


class TemplateProcess:
    """A worker that only forks workers (``serve_template`` in ``worker.py``), for reloads.

    One per pool, or one per project shared by its pools: ``preload`` names every handler whose libraries
    it imports up front (``_SQUALL_PRELOAD``).
    """

    def __init__(
        self,
        *,
        python: str,
        code_dir: Path,
        launcher: tuple[str, ...],
        env: dict[str, str],
        clock: Callable[[], float] = time.monotonic,
        preload: tuple[str, ...] = (),
    ) -> None:
        if preload:
            env = {**env, "_SQUALL_PRELOAD": ",".join(preload)}
        self.code_dir = code_dir
        self._lock = threading.Lock()
        self._process = WorkerProcess(
            python=python,
            code_dir=code_dir,
            launcher=launcher,
            env={**env, "_SQUALL_TEMPLATE": "1"},
            log_stream_name="",
            clock=clock,
        )

    def ready(self, timeout: float) -> None:
        self._process.wait_ready(timeout)

    def alive(self) -> bool:
        return self._process.alive()

    def fork(
        self,
        env: dict[str, str],
        log_stream_name: str,
        generation: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> ForkedWorker:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self._lock:
                socket.send_fds(
                    self._process.channel.sock, [json.dumps({"env": env}).encode()], [child_end.fileno()]
                )
                frame = self._process.channel.recv(10.0)
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()
        if frame is None or frame[0] != protocol.PID:
            parent_end.close()
            raise WorkerGone("the template worker is gone", "")
        pid = int(json.loads(frame[1])["pid"])
        return ForkedWorker(
            pid, parent_end, log_stream_name=log_stream_name, generation=generation, clock=clock
        )

    def close(self) -> None:
        self._process.close()


class ForkedWorker(WorkerProcess):
    """A worker forked by a template: not our child, so it is watched by pid and its socket."""

    def __init__(
        self,
        pid: int,
        sock: socket.socket,
        *,
        log_stream_name: str,
        generation: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pid = pid
        self._clock = clock
        self.started_at = clock()
        self.log_stream_name = log_stream_name
        self.generation = generation
        self.used = False
        self.init = None
        self._pending_logs = []
        self.channel = protocol.Channel(sock)

    @property
    def pid(self) -> int:
        return self._pid

    def _exit_reason(self) -> str:
        self.kill()
        return "exit status unknown (the worker ended without a result)"

    def alive(self) -> bool:
        try:
            os.kill(self._pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        if not self.group_killed:
            self.group_killed = True
            kill_group(self._pid)
