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

MEMORY_POLL_SECONDS = 0.01
"""How often a running invocation's memory is looked at: a worker past its ``memory_size`` is killed."""
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def resident_mb(pid: int) -> float:
    """The resident memory of ``pid`` in MB (from ``/proc/PID/statm``), 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_BYTES / (1 << 20)
    except (OSError, ValueError, IndexError):
        return 0.0


Frames = tuple[tuple[int, str], ...]
"""Output as the worker sent it: (when it arrived, epoch milliseconds; the text)."""


def _text(frames: Frames) -> str:
    return "".join(text for _, text in frames)


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class InitOutcome:
    init_ms: float
    error: dict[str, object] | None
    frames: Frames

    @property
    def logs(self) -> str:
        return _text(self.frames)


@dataclass(frozen=True)
class Outcome:
    """How one invocation on a worker ended, before the pool turns it into an ``InvocationResult``."""

    kind: Literal["ok", "error", "timeout", "exit", "oom"]
    payload: object
    frames: Frames
    duration_ms: float
    max_memory_mb: int = 0
    exit_reason: str = ""

    @property
    def logs(self) -> str:
        return _text(self.frames)


class WorkerGone(Exception):
    """The worker died or stopped answering before its init finished."""

    def __init__(self, reason: str, frames: Frames) -> None:
        super().__init__(reason)
        self.reason = reason
        self.frames = frames


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
        self._pending_logs: list[tuple[int, str]] = []
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
                raise WorkerGone("init timed out", tuple(self._pending_logs)) from None
            if frame is None:
                raise WorkerGone(self._exit_reason(), tuple(self._pending_logs))
            kind, body = frame
            if kind == protocol.LOG:
                text = body.decode("utf-8", "replace")
                self._pending_logs.append((_now_ms(), text))
                if on_log is not None:
                    on_log(text)
            elif kind == protocol.INIT:
                info: dict[str, Any] = json.loads(body)
                self.init = InitOutcome(float(info["init_ms"]), info["error"], tuple(self._pending_logs))
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
        memory_mb: int | None = None,
    ) -> Outcome:
        """Run one invocation; the worker must be ready. A timeout kills the worker.

        With ``memory_mb``, a worker whose memory goes past it is killed, as Lambda's sandbox is
        (kind ``"oom"``): its resident memory is checked every ``MEMORY_POLL_SECONDS`` while it runs, and
        its own peak (VmHWM, reported with the result) once it answers.
        """
        message = {
            "id": request_id,
            "event": event,
            "deadline_ms": deadline_ms,
            "arn": arn,
            "client_context": client_context,
            "identity": identity,
        }
        self.used = True
        logs: list[tuple[int, str]] = []
        start = self._clock()
        deadline = start + timeout
        try:
            self.channel.send(protocol.INVOKE, json.dumps(message).encode())
        except OSError:
            return Outcome("exit", None, (), (self._clock() - start) * 1000, exit_reason=self._exit_reason())
        while True:
            left = max(deadline - self._clock(), 0.0)
            try:
                frame = self.channel.recv(min(left, MEMORY_POLL_SECONDS) if memory_mb else left)
            except TimeoutError:
                if memory_mb and left > MEMORY_POLL_SECONDS:
                    if resident_mb(self.pid) <= memory_mb:
                        continue
                    self.kill()
                    elapsed = (self._clock() - start) * 1000
                    return Outcome("oom", None, tuple(logs), elapsed, memory_mb, "signal: killed")
                self.kill()
                return Outcome("timeout", None, tuple(logs), timeout * 1000)
            if frame is None:
                elapsed = (self._clock() - start) * 1000
                return Outcome("exit", None, tuple(logs), elapsed, exit_reason=self._exit_reason())
            kind, body = frame
            if kind == protocol.LOG:
                text = body.decode("utf-8", "replace")
                logs.append((_now_ms(), text))
                if on_log is not None:
                    on_log(text)
            elif kind == protocol.RESULT:
                result: dict[str, Any] = json.loads(body)
                ok = bool(result["ok"])
                if memory_mb and int(result["mem"]) > memory_mb:
                    # It answered, but its peak was past the limit: the sandbox would have killed it.
                    self.kill()
                    return Outcome(
                        "oom", None, tuple(logs), float(result["dur"]), memory_mb, "signal: killed"
                    )
                return Outcome(
                    "ok" if ok else "error",
                    result["payload"] if ok else result["error"],
                    tuple(logs),
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
        self.python = python
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
            raise WorkerGone("the template worker is gone", ())
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
