"""Deployed Lambda functions, run on warm worker pools from their uploaded code.

A pool belongs to one function and one configuration: the code's sha256, handler, runtime settings and
environment. When the deployer changes any of them the old pool is retired (its in-flight invocations
finish) and the next invocation runs the new code. Uploaded zips are unpacked once per code hash under
the cloud's data folder, so a restart reuses them.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import queue
import shutil
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from squall.cloud.plugins import CloudContext
from squall.host.changes import ChangeWatch
from squall.host.denials import DenialNotes
from squall.host.live import LiveRegistry, SessionGone
from squall.host.logging_config import LoggingConfigs
from squall.host.logs import LogShipper
from squall.runtime import Credentials, FunctionPool, FunctionSpec, InvocationResult
from squall.runtime.interpreters import find_interpreter
from squall.runtime.isolation import provided_libraries
from squall.runtime.records import INVOCATIONS_LOG_GROUP, InvocationRecord

log = logging.getLogger(__name__)

ACCOUNT_ID = "123456789012"
SESSION_SECONDS = 12 * 3600
"""How long a function's role credentials last (STS's maximum); its pool is renewed an hour before."""
RENEW_BEFORE = 3600.0
ASYNC_RETRY_DELAYS = (1.0, 2.0)
"""Event invocations are retried twice on error, as AWS does (AWS waits about 1 and 2 minutes)."""


class FunctionNotFound(LookupError):
    pass


@dataclass(frozen=True)
class FunctionConfig:
    """What a pool is built from: a snapshot of moto's function, read under the state lock."""

    name: str
    arn: str
    region: str
    handler: str
    runtime: str
    timeout: float
    memory_size: int
    environment: tuple[tuple[str, str], ...]
    reserved_concurrency: int | None
    role: str
    code_sha256: str
    log_format: str = "Text"

    @property
    def fingerprint(self) -> tuple[object, ...]:
        return (
            self.handler,
            self.runtime,
            self.timeout,
            self.memory_size,
            self.environment,
            self.reserved_concurrency,
            self.role,
            self.code_sha256,
            self.log_format,
        )


Listener = Callable[[FunctionConfig, InvocationResult], None]


class FunctionHost:
    """Pools per function, the async-invocation queue and the log shipper."""

    def __init__(self, logging_configs: LoggingConfigs | None = None) -> None:
        self._logging_configs = logging_configs or LoggingConfigs()
        self._ctx: CloudContext | None = None
        self._lock = threading.Lock()
        self._pools: dict[str, tuple[FunctionConfig, FunctionPool, float]] = {}
        """Function ARN → (its configuration, its pool, when the pool's credentials expire)."""
        self._code_lock = threading.Lock()
        self._configs: dict[tuple[str, str], tuple[int, FunctionConfig]] = {}
        """(name or ARN, region) → (the mutation number when read, the configuration), once unpacked."""
        self._function_changes = ChangeWatch(["awslambda"])
        self.log_service = LogShipper()
        self.denials = DenialNotes()
        self.async_service = AsyncInvoker(self)
        self.listeners: list[Listener] = []
        self.live = LiveRegistry(key=lambda: self.ctx.home_key)

    def bind(self, ctx: CloudContext) -> None:
        self._ctx = ctx

    @property
    def ctx(self) -> CloudContext:
        assert self._ctx is not None, "the function host is used before the cloud started"
        return self._ctx

    # -- configuration ------------------------------------------------------------------------

    def config(self, name_or_arn: str, region: str) -> tuple[FunctionConfig, bytes | None]:
        """The function's configuration, and its zip when that code is not unpacked yet.

        Read from moto again only when a Lambda change was acknowledged since the last read, so an invocation
        does not wait for the state lock (a compaction holds it while it pickles the state).
        """
        ctx = self.ctx
        key = (name_or_arn, region)
        cached = self._configs.get(key)
        if cached is not None and self._function_changes.fresh(ctx.mutations, cached[0]):
            return cached[1], None
        read_at = ctx.mutations.last
        with ctx.locked():
            backend = ctx.backend("awslambda", region, ACCOUNT_ID)
            try:
                function = backend.get_function(name_or_arn)
            except Exception as exc:  # moto raises its own not-found types
                raise FunctionNotFound(name_or_arn) from exc
            config = FunctionConfig(
                name=function.function_name,
                arn=function.function_arn.split(":$LATEST")[0],
                region=region,
                handler=function.handler or "",
                runtime=function.run_time or "",
                timeout=float(function.timeout),
                memory_size=int(function.memory_size),
                environment=tuple(sorted((function.environment_vars or {}).items())),
                reserved_concurrency=function.reserved_concurrency,
                role=function.role,
                code_sha256=function.code_sha_256,
                log_format=self._logging_configs.log_format(ctx, region, function.function_name),
            )
            code = None if self._code_dir(config).is_dir() else bytes(function.code_bytes)
        if code is None:
            self._configs[key] = (read_at, config)
        return config, code

    def _code_dir(self, config: FunctionConfig) -> Path:
        digest = hashlib.sha256(config.code_sha256.encode()).hexdigest()[:32]
        return self.ctx.data / "functions" / digest

    def _unpack(self, config: FunctionConfig, code: bytes | None) -> Path:
        target = self._code_dir(config)
        if target.is_dir():
            return target
        with self._code_lock:
            if target.is_dir():
                return target
            staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            with zipfile.ZipFile(io.BytesIO(code or b"")) as archive:
                archive.extractall(staging)
            os.replace(staging, target)
        return target

    def _credentials(self, config: FunctionConfig) -> tuple[Credentials, float]:
        """A session of the function's role (STS ``AssumeRole``), as Lambda gives each function, and when
        it expires. The front door knows these keys (they are in STS's state) and names the caller
        ``assumed-role/ROLE/FUNCTION``."""
        ctx = self.ctx
        with ctx.locked():
            sts = ctx.backend("sts", "global", ACCOUNT_ID)
            role = sts.assume_role(
                region_name=config.region,
                role_session_name=config.name[:64],
                role_arn=config.role,
                policy=None,
                duration=SESSION_SECONDS,
                external_id=None,
            )
        expires = time.time() + SESSION_SECONDS
        return Credentials(role.access_key_id, role.secret_access_key, role.session_token), expires

    # -- pools --------------------------------------------------------------------------------

    def pool(self, name_or_arn: str, region: str) -> tuple[FunctionConfig, FunctionPool]:
        config, code = self.config(name_or_arn, region)
        return config, self._pool_for(config, code)

    def _pool_for(self, config: FunctionConfig, code: bytes | None) -> FunctionPool:
        with self._lock:
            current = self._pools.get(config.arn)
            if current is not None and self._current(current, config):
                return current[1]
        code_dir = self._unpack(config, code)
        # As on AWS: the package (code, SDK, dependencies) and the runtime's own libraries, on the
        # interpreter its runtime names when this machine has it.
        spec = FunctionSpec(
            name=config.name,
            code_dir=code_dir,
            handler=config.handler,
            environment=dict(config.environment),
            timeout=config.timeout,
            memory_size=config.memory_size,
            reserved_concurrency=config.reserved_concurrency,
            arn=config.arn,
            region=config.region,
            python=find_interpreter(config.runtime).path,
            log_format=config.log_format,
            import_path=(str(provided_libraries(self.ctx.data / "runtime")),),
        )
        credentials, expires = self._credentials(config)
        fresh = FunctionPool(spec, endpoint_url=self.ctx.endpoint, credentials=credentials)
        with self._lock:
            current = self._pools.get(config.arn)
            if current is not None and self._current(current, config):
                fresh.close()
                return current[1]
            self._pools[config.arn] = (config, fresh, expires)
        if current is not None:
            threading.Thread(target=current[1].close, name="retire-pool", daemon=True).start()
        return fresh

    @staticmethod
    def _current(entry: tuple[FunctionConfig, FunctionPool, float], config: FunctionConfig) -> bool:
        """Whether a pool still runs this configuration with credentials good for a while yet."""
        return entry[0].fingerprint == config.fingerprint and entry[2] - time.time() > RENEW_BEFORE

    def invoke(
        self, name_or_arn: str, region: str, event: Any, request_id: str | None = None
    ) -> InvocationResult:
        """Run one invocation and ship its logs; raises FunctionNotFound and the pool's TooManyRequests.

        A function a dev session has registered runs there, from the source tree; when the session is
        gone, the deployed code runs instead.
        """
        config, code = self.config(name_or_arn, region)
        result: InvocationResult | None = None
        session = self.live.session_for(config.name)
        if session is not None:
            try:
                result = self.live.forward(session, config.name, event, request_id)
            except SessionGone:
                log.warning("dev session %s is gone; %s runs its deployed code", session.id, config.name)
        if result is None:
            result = self._pool_for(config, code).invoke(event, request_id=request_id)
        result, notes = self.denials.fold_into(config.name, dict(config.environment), result)
        if notes and session is not None:
            self.live.tell(session, config.name, notes)
        group = f"/aws/lambda/{config.name}"
        if result.log_events:
            self.log_service.submit_events(
                group, result.log_stream_name, config.region, list(result.log_events)
            )
        else:
            self.log_service.submit(group, result.log_stream_name, config.region, result.logs)
        record = InvocationRecord.of(config.name, event, result, int(time.time() * 1000))
        self.log_service.submit_record(INVOCATIONS_LOG_GROUP, config.name, config.region, record.message())
        for listener in list(self.listeners):
            try:
                listener(config, result)
            except Exception:
                log.exception("an invocation listener failed")
        return result

    def record_refusal(
        self, name_or_arn: str, region: str, event: Any, request_id: str, status: int, reason: str
    ) -> None:
        """Write the record of a request an authorizer refused, in the route function's stream."""
        name = name_or_arn.rsplit(":function:", 1)[-1].split(":", 1)[0]
        record = InvocationRecord.refused(name, event, request_id, status, reason, int(time.time() * 1000))
        self.log_service.submit_record(INVOCATIONS_LOG_GROUP, name, region, record.message())

    def invoke_async(self, name_or_arn: str, region: str, event: Any) -> str:
        request_id = str(uuid.uuid4())
        self.async_service.submit(name_or_arn, region, event, request_id)
        return request_id

    def internal_invoke(self, function_arn: str, payload: bytes) -> None:
        """moto's own deliveries (SNS, S3, EventBridge): asynchronous invocations, as on AWS."""

        region = function_arn.split(":")[3] if function_arn.count(":") >= 4 else "us-east-1"
        self.async_service.submit(function_arn, region, json.loads(payload or b"{}"), str(uuid.uuid4()))

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for _, pool, _ in pools:
            pool.close()


@dataclass(frozen=True)
class AsyncItem:
    function: str
    region: str
    event: Any
    request_id: str
    attempt: int
    not_before: float


class AsyncInvoker:
    """A background service running ``Event`` invocations, retrying failures twice."""

    name = "lambda-async"
    workers = 4

    def __init__(self, host: FunctionHost) -> None:
        self._host = host
        self._queue: queue.Queue[AsyncItem] = queue.Queue()

    def submit(self, function: str, region: str, event: Any, request_id: str) -> None:
        self._queue.put(AsyncItem(function, region, event, request_id, 0, 0.0))

    def run(self, ctx: CloudContext) -> None:
        self._host.bind(ctx)
        threads = [
            threading.Thread(target=self._loop, args=(ctx,), daemon=True, name=f"lambda-async-{i}")
            for i in range(self.workers)
        ]
        for thread in threads:
            thread.start()
        ctx.stopping.wait()
        self._host.close()

    def _loop(self, ctx: CloudContext) -> None:
        from squall.runtime import TooManyRequests

        while not ctx.stopping.is_set():
            try:
                item = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            wait = item.not_before - time.monotonic()
            if wait > 0 and ctx.stopping.wait(min(wait, 0.2)) is False and item.not_before > time.monotonic():
                self._queue.put(item)
                continue
            try:
                result = self._host.invoke(item.function, item.region, item.event, item.request_id)
                failed = result.error_type is not None
            except FunctionNotFound:
                log.warning("async invocation of %s dropped: the function no longer exists", item.function)
                continue
            except TooManyRequests:
                failed = True
            if failed and item.attempt < len(ASYNC_RETRY_DELAYS):
                delay = ASYNC_RETRY_DELAYS[item.attempt]
                self._queue.put(
                    AsyncItem(
                        item.function,
                        item.region,
                        item.event,
                        item.request_id,
                        item.attempt + 1,
                        time.monotonic() + delay,
                    )
                )
