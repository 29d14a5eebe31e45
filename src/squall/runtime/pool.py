"""Warm worker processes for one function, handed out one invocation at a time.

``FunctionPool.invoke`` takes an idle worker (the most recently used, so the warmest) or starts one,
runs the invocation on it and puts it back. Concurrent invocations each get their own worker, up to the
function's reserved concurrency. A worker that timed out or died is discarded; the next invocation starts
a fresh one. ``replace_workers`` (a code reload) bumps a generation number: idle workers of the old
generation stop at once, busy ones when their invocation ends, and a new worker is warmed up in advance.
A worker left idle for ``idle_timeout`` seconds is stopped (``reaper.py``), so a burst's workers do not keep
their memory for ever. Stopping a worker stops everything its handler started (``process.py``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace

from squall.errors import SquallError
from squall.runtime.log_events import LogEvent, end_events, joined, split_frames, start_event
from squall.runtime.process import InitOutcome, LogSink, Outcome, TemplateProcess, WorkerGone, WorkerProcess
from squall.runtime.reaper import REAPER, Reaper, default_idle_seconds
from squall.runtime.results import (
    FUNCTION_ERROR,
    InvocationResult,
    exit_error,
    out_of_memory_error,
    timeout_error,
    timestamp,
)
from squall.runtime.spec import Credentials, FunctionSpec, build_environment, new_log_stream_name

INIT_TIMEOUT = 10.0
"""Seconds a worker may take to import the handler, Lambda's limit for the init phase."""


class TooManyRequests(SquallError):
    """The function is already running as many invocations as its reserved concurrency allows.

    Lambda answers this with HTTP 429 ``TooManyRequestsException``, reason
    ``ReservedFunctionConcurrentInvocationLimitExceeded``.
    """

    reason = "ReservedFunctionConcurrentInvocationLimitExceeded"

    def __init__(self, function_name: str) -> None:
        super().__init__("Rate Exceeded.", where=function_name)


class PoolClosed(SquallError):
    """``invoke`` was called on a pool after ``close()``."""


WorkerFactory = Callable[[FunctionSpec, int], WorkerProcess]
"""Starts a worker for a spec and a generation number; tests can pass their own."""


class FunctionPool:
    def __init__(
        self,
        spec: FunctionSpec,
        *,
        endpoint_url: str | None = None,
        credentials: Credentials | None = None,
        on_event: Callable[[InvocationResult], None] | None = None,
        on_log: Callable[[str, str], None] | None = None,
        compile_from_source: bool = False,
        fork_from_template: bool = False,
        template: TemplateProcess | None = None,
        start_worker: WorkerFactory | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        idle_timeout: float | None = None,
        reaper: Reaper | None = REAPER,
    ) -> None:
        """``on_event`` gets every finished invocation; ``on_log(request_id, text)`` gets output live.

        ``idle_timeout`` (default: ``reaper.default_idle_seconds()``) is how long a worker may stay idle
        before ``reaper`` stops it; without a reaper, idle workers stop only when ``reap_idle`` is called.

        ``compile_from_source`` (for dev mode's reloads) makes workers import the function's own modules
        from source, never from a bytecode cache that a quick edit may have left looking current.
        ``fork_from_template`` (dev mode too) forks new workers from a template process that keeps the
        function's libraries imported, so a worker started after a reload is ready in milliseconds.
        """
        self.spec = spec
        self._endpoint_url = endpoint_url
        self._credentials = credentials
        self._on_event = on_event
        self._on_log = on_log
        self._compile_from_source = compile_from_source
        self._fork_from_template = fork_from_template or template is not None
        self._template: TemplateProcess | None = None
        self._shared_template = template
        """A template shared with other pools (dev mode's, one per project): used, never closed, here."""
        self._start_worker = start_worker or self._spawn
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._idle: list[WorkerProcess] = []
        self._workers: set[WorkerProcess] = set()
        self._busy = 0
        self._generation = 0
        self._warming: dict[int, int] = {}
        """Workers being prewarmed, by generation: a request waits for one rather than starting its own."""
        self._warmed = threading.Condition(self._lock)
        self._closed = False
        self.idle_timeout = idle_timeout if idle_timeout is not None else default_idle_seconds()
        self._reaper = reaper

    # -- public API -------------------------------------------------------------------------------------

    def invoke(
        self,
        event: object,
        *,
        request_id: str | None = None,
        client_context: object = None,
        identity: object = None,
    ) -> InvocationResult:
        """Run the function once, synchronously, as Lambda's RequestResponse invocation does.

        Raises ``TooManyRequests`` past the reserved concurrency and ``PoolClosed`` after ``close()``.
        Function failures (errors, timeouts, crashes) are results with ``error_type`` set, never raised.
        """
        rid = request_id or str(uuid.uuid4())
        spec, worker, generation = self._acquire()
        healthy = False
        try:
            result, healthy = self._run(spec, worker, generation, rid, event, client_context, identity)
        finally:
            self._release(worker, generation, healthy)
        if self._on_event is not None:
            self._on_event(result)
        return result

    def prewarm(self, count: int = 1) -> dict[str, object] | None:
        """Make sure ``count`` workers of the current code are started and initialised, idle; the error
        of a worker it started whose code failed to load (``errorType``, ``errorMessage``), if any."""
        error: dict[str, object] | None = None
        while True:
            with self._lock:
                self._check_open()
                generation = self._generation
                spec = self.spec
                ready = sum(1 for w in self._idle if w.generation == generation)
                if ready >= count:
                    return error
                self._warming[generation] = self._warming.get(generation, 0) + 1
            worker: WorkerProcess | None = None
            try:
                worker = self._new_worker(spec, generation)
                error = worker.wait_ready(INIT_TIMEOUT).error or error
            except BaseException:
                with self._lock:
                    self._done_warming(generation)
                if worker is not None:
                    self._discard(worker)
                raise
            with self._lock:
                self._done_warming(generation)
                stale = self._closed or generation != self._generation
                if not stale:
                    self._put_idle(worker)
            if stale:
                self._discard(worker)
                return error
            self._watch_idle()

    def _done_warming(self, generation: int) -> None:
        """One prewarm of ``generation`` ended (call with the lock held); waiting requests look again."""
        left = self._warming.get(generation, 1) - 1
        if left:
            self._warming[generation] = left
        else:
            self._warming.pop(generation, None)
        self._warmed.notify_all()

    def replace_workers(self, spec: FunctionSpec | None = None, *, prewarm: bool = True) -> None:
        """Retire every worker (busy ones once their invocation ends) and warm up a new one.

        Pass ``spec`` when the function's definition changed too (handler, environment, timeout...).
        """
        with self._lock:
            self._check_open()
            self._generation += 1
            if spec is not None:
                self.spec = spec
            old, self._idle = self._idle, []
        for worker in old:
            self._discard(worker)
        if prewarm:
            self.prewarm(max(1, len(old)))

    def close(self) -> None:
        """Stop every worker, busy or not. Invocations still running end with ``Runtime.ExitError``."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = [w for w in self._workers if w not in idle]
        for worker in idle:
            self._discard(worker)
        template, self._template = self._template, None
        if template is not None:
            template.close()
        # A busy worker's socket belongs to the invoking thread, which closes it on release.
        for worker in busy:
            worker.kill()

    @property
    def worker_pids(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._workers)

    def __enter__(self) -> FunctionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- worker bookkeeping -----------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise PoolClosed("the function pool is closed", where=self.spec.name)

    def _spawn(self, spec: FunctionSpec, generation: int) -> WorkerProcess:
        stream = new_log_stream_name(self._wall_clock())
        env = build_environment(
            spec, log_stream_name=stream, endpoint_url=self._endpoint_url, credentials=self._credentials
        )
        if self._compile_from_source:
            env["_SQUALL_COMPILE_FROM_SOURCE"] = "1"
        if self._fork_from_template and not spec.launcher:
            worker = self._fork(spec, env, stream, generation)
            if worker is not None:
                return worker
        return WorkerProcess(
            python=spec.python,
            code_dir=spec.code_dir,
            launcher=(*spec.interpreter_flags, *spec.launcher),
            env=env,
            log_stream_name=stream,
            generation=generation,
            clock=self._clock,
        )

    def _fork(
        self, spec: FunctionSpec, env: dict[str, str], stream: str, generation: int
    ) -> WorkerProcess | None:
        """A worker forked from the template (started on first use); None when no template can serve."""
        shared = self._shared_template
        if (
            shared is not None
            and (shared.code_dir, shared.python) == (spec.code_dir, spec.python)
            and shared.alive()
        ):
            env = {k: v for k, v in env.items() if k != "_SQUALL_COMPILE_FROM_SOURCE"}
            try:
                return shared.fork(env, stream, generation, clock=self._clock)
            except (OSError, WorkerGone):
                pass
        with self._lock:
            template = self._template
            if template is not None and (template.code_dir != spec.code_dir or not template.alive()):
                self._template = template = None
        if template is None:
            template = TemplateProcess(
                python=spec.python,
                code_dir=spec.code_dir,
                launcher=spec.interpreter_flags,
                env=dict(env),
                clock=self._clock,
            )
            try:
                template.ready(INIT_TIMEOUT)
            except WorkerGone:
                template.close()
                return None
            with self._lock:
                if self._closed:
                    template.close()
                    return None
                previous, self._template = self._template, template
            if previous is not None:
                previous.close()
        env = {k: v for k, v in env.items() if k != "_SQUALL_COMPILE_FROM_SOURCE"}
        try:
            return template.fork(env, stream, generation, clock=self._clock)
        except (OSError, WorkerGone):
            return None

    def _new_worker(self, spec: FunctionSpec, generation: int) -> WorkerProcess:
        worker = self._start_worker(spec, generation)
        with self._lock:
            self._workers.add(worker)
            closed = self._closed
        if closed:
            self._discard(worker)
            self._check_open()
        return worker

    def _acquire(self) -> tuple[FunctionSpec, WorkerProcess, int]:
        with self._lock:
            self._check_open()
            spec = self.spec
            limit = spec.reserved_concurrency
            if limit is not None and self._busy >= limit:
                raise TooManyRequests(spec.name)
            self._busy += 1
            generation = self._generation
            deadline = self._clock() + INIT_TIMEOUT
            # A worker being prewarmed (after a reload) is nearly ready: wait for it, don't start another.
            while not self._idle and self._warming.get(generation) and not self._closed:
                if not self._warmed.wait(max(0.0, deadline - self._clock())):
                    break
            worker = self._idle.pop() if self._idle else None
        if worker is not None:
            return spec, worker, generation
        try:
            return spec, self._new_worker(spec, generation), generation
        except BaseException:
            with self._lock:
                self._busy -= 1
            raise

    def _release(self, worker: WorkerProcess, generation: int, healthy: bool) -> None:
        with self._lock:
            self._busy -= 1
            keep = healthy and not self._closed and generation == self._generation
            if keep:
                self._put_idle(worker)
        if not keep:
            self._discard(worker)
        else:
            self._watch_idle()

    def _put_idle(self, worker: WorkerProcess) -> None:
        """Call with the lock held."""
        worker.idle_since = self._clock()
        self._idle.append(worker)

    def _watch_idle(self) -> None:
        if self._reaper is not None:
            self._reaper.watch(self, self.idle_timeout)

    def reap_idle(self) -> float | None:
        """Stop the workers idle for ``idle_timeout`` or more; seconds until the next one is due, if any.

        Workers are taken from the front of the idle list (the least recently used); the warmest stay.
        """
        with self._lock:
            now = self._clock()
            expired = [w for w in self._idle if now - w.idle_since >= self.idle_timeout]
            if expired:
                self._idle = [w for w in self._idle if now - w.idle_since < self.idle_timeout]
            due = min((w.idle_since + self.idle_timeout - now for w in self._idle), default=None)
        for worker in expired:
            self._discard(worker)
        return due

    def _discard(self, worker: WorkerProcess) -> None:
        worker.close()
        with self._lock:
            self._workers.discard(worker)

    # -- one invocation ---------------------------------------------------------------------------------

    def _run(
        self,
        spec: FunctionSpec,
        worker: WorkerProcess,
        generation: int,
        rid: str,
        event: object,
        client_context: object,
        identity: object,
    ) -> tuple[InvocationResult, bool]:
        on_log: LogSink | None = None
        if self._on_log is not None:
            sink = self._on_log
            on_log = lambda text: sink(rid, text)  # noqa: E731
        cold = not worker.used and worker.init is None
        prefix: list[LogEvent] = []
        init_ms: float | None = None
        try:
            init = worker.wait_ready(INIT_TIMEOUT, on_log)
        except WorkerGone as gone:
            return self._init_failed(spec, worker, rid, gone), False
        if not worker.used:
            prefix = split_frames(init.frames)
            init_ms = init.init_ms if cold else None
        deadline_ms = int((self._wall_clock() + spec.timeout) * 1000)
        start = start_event(rid, self._now_ms(), spec.log_format)
        if on_log is not None:
            on_log(start[1] + "\n")
        outcome = worker.invoke(
            rid,
            event,
            timeout=spec.timeout,
            deadline_ms=deadline_ms,
            arn=spec.invoked_arn,
            client_context=client_context,
            identity=identity,
            on_log=on_log,
            memory_mb=spec.memory_size,
        )
        result = self._result(spec, worker, rid, outcome, [*prefix, start], cold, init_ms, init)
        return result, outcome.kind in ("ok", "error")

    def _now_ms(self) -> int:
        return int(self._wall_clock() * 1000)

    def _result(
        self,
        spec: FunctionSpec,
        worker: WorkerProcess,
        rid: str,
        outcome: Outcome,
        head: list[LogEvent],
        cold: bool,
        init_ms: float | None,
        init: InitOutcome,
    ) -> InvocationResult:
        """The invocation's result and log events: ``head`` (init output, START), its output, END/REPORT."""
        now = self._wall_clock()
        at = int(now * 1000)
        extra: list[str] = []
        status: str | None = None
        error_kind: str | None = None
        payload = outcome.payload
        if outcome.kind == "timeout":
            payload = timeout_error(rid, spec.timeout)
            extra.append(f"{timestamp(now)} {rid} Task timed out after {spec.timeout:.2f} seconds")
            status = "timeout"
        elif outcome.kind == "exit":
            payload = exit_error(rid, outcome.exit_reason)
            extra += [
                f"RequestId: {rid} Error: Runtime exited with error: {outcome.exit_reason}",
                "Runtime.ExitError",
            ]
            status, error_kind = "error", "Runtime.ExitError"
        elif outcome.kind == "oom":
            payload = out_of_memory_error(rid, outcome.exit_reason)
            extra += [
                f"RequestId: {rid} Error: Runtime exited with error: {outcome.exit_reason}",
                "Runtime.OutOfMemory",
            ]
            status, error_kind = "error", "Runtime.OutOfMemory"
        elif outcome.kind == "error" and init.error is not None:
            status, error_kind = "error", str(init.error.get("errorType", ""))
        tail = [(at, line) for line in extra] + end_events(
            rid,
            at,
            spec.log_format,
            duration_ms=outcome.duration_ms,
            memory_size=spec.memory_size,
            max_memory_used_mb=outcome.max_memory_mb,
            init_duration_ms=init_ms,
            status=status,
            error_type=error_kind,
        )
        if self._on_log is not None:
            self._on_log(rid, joined(tail))
        events = (*head, *split_frames(outcome.frames), *tail)
        return InvocationResult(
            request_id=rid,
            payload=payload,
            error_type=None if outcome.kind == "ok" else FUNCTION_ERROR,
            logs=joined(events),
            duration_ms=outcome.duration_ms,
            cold=cold,
            init_duration_ms=init_ms,
            max_memory_used_mb=outcome.max_memory_mb,
            log_stream_name=worker.log_stream_name,
            function_name=spec.name,
            log_events=events,
        )

    def _init_failed(
        self, spec: FunctionSpec, worker: WorkerProcess, rid: str, gone: WorkerGone
    ) -> InvocationResult:
        """The worker died or hung while importing: report it as Lambda reports a crashed runtime."""
        elapsed = (self._clock() - worker.started_at) * 1000
        if gone.reason == "init timed out":
            outcome = Outcome("timeout", None, gone.frames, elapsed)
        else:
            outcome = Outcome("exit", None, gone.frames, elapsed, exit_reason=gone.reason)
        init = InitOutcome(elapsed, None, ())
        result = self._result(spec, worker, rid, outcome, [], True, None, init)
        return replace(result, duration_ms=elapsed)
