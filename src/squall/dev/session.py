"""A dev session: the stage deployed, its functions run live from the source tree, reloaded on save.

The session deploys the stage (so tables, queues and APIs are the stage's real ones), starts a warm pool per
function over the project folder, and registers with the local cloud as the place to run those functions:
every invocation (API traffic, Invoke, event sources) is forwarded here. A save replaces the workers of the
functions that import the saved file, forked from a template that keeps their libraries loaded, so the next
request is warm and runs the new code. A change to ``squall.config.py`` is synthesized and deployed as a
plan of just what changed. On stop the registration is removed, the deployed code is brought up to date,
and every process the session started is ended.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from squall.binding.resource import ENV_PREFIX, SPILL_VARIABLE
from squall.binding.shell import bound_environment
from squall.binding.types import write_types
from squall.cloud.auth.sigv4 import sign_headers
from squall.config import CONFIG_FILE, Project, load_project
from squall.deploy import Clients, deploy
from squall.deploy.packaging import Builder
from squall.dev.imports import SKIPPED_DIRS, ImportGraph
from squall.dev.live_server import LiveServer
from squall.dev.view import TerminalView
from squall.errors import SquallError
from squall.home import write_private
from squall.runtime import (
    Credentials,
    FunctionPool,
    FunctionSpec,
    InvocationResult,
    TemplateProcess,
    build_environment,
)
from squall.runtime.interpreters import find_interpreter, notice
from squall.runtime.isolation import debugger_folder, provided_libraries

HEARTBEAT_SECONDS = 5.0
DEBUG_TIMEOUT = 900.0
DEBUG_PORT = 5678
ROLE_SESSION_SECONDS = 12 * 3600
"""A live function runs with a session of its own role, as when deployed; renewed an hour before expiry."""
RENEW_BEFORE = 3600.0
DEPENDENCY_FILES = ("requirements.txt", "pyproject.toml")
"""Where a project declares its functions' dependencies (``deploy.packaging.requirements_of``)."""

InvocationListener = Callable[[str, Any, InvocationResult], None]
"""Called with the function's physical name, the event and the result of every live invocation."""


@dataclass
class LiveFunction:
    logical_id: str
    name: str
    handler_module: str
    pool: FunctionPool
    debug_port: int | None = None
    role: str = ""
    credentials_expire: float = float("inf")

    def renewal_due(self, now: float) -> bool:
        return self.credentials_expire - now < RENEW_BEFORE


class DevError(SquallError):
    pass


class DevSession:
    def __init__(
        self,
        project: Project,
        *,
        clients: Clients,
        view: TerminalView,
        debug: str | None = None,
        config: Path | None = None,
        listeners: list[InvocationListener] | None = None,
        on_project: Callable[[Project], None] | None = None,
    ) -> None:
        if clients.endpoint is None:
            raise DevError(
                "squall dev runs functions live against the local cloud; this stage's target is AWS",
                hint="use the default target (local), or `squall deploy --target aws` for AWS",
            )
        self.project = project
        self.clients = clients
        self.view = view
        self.debug = debug
        self.config_path = config or project.config_path
        self.listeners = list(listeners or [])
        self.on_project = on_project
        """Called with the new project after a change to squall.config.py was applied."""
        self.session_id = uuid.uuid4().hex
        self.functions: dict[str, LiveFunction] = {}
        self.outputs: dict[str, str] = {}
        self.stopping = threading.Event()
        self._lock = threading.RLock()
        self._dirty = False
        if clients.credentials is None:
            raise DevError("squall dev needs the local cloud's credentials to sign its calls")
        self._key = clients.credentials
        self._server = LiveServer(self.invoke, self._key, self._denied)
        self._imports = ImportGraph(project.root)
        self._threads: list[threading.Thread] = []
        self._template: TemplateProcess | None = None
        self._build = Builder(project.root)
        self._told: set[str] = set()

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        self._deploy(self.project)
        self._sync_functions(self.project)
        self._server.start()
        self._register()
        for target, name in ((self._heartbeat, "dev-heartbeat"), (self._watch, "dev-watch")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, *, update_deployed_code: bool = True) -> None:
        self.stopping.set()
        self._unregister()
        for thread in self._threads:
            thread.join(timeout=5)
        with self._lock:
            functions, self.functions = list(self.functions.values()), {}
        for function in functions:
            function.pool.close()
        if self._template is not None:
            self._template.close()
        self._server.stop()
        if update_deployed_code and self._dirty:
            self.view.info("Updating the deployed code to the latest source…")
            try:
                self._deploy(self.project)
            except SquallError as exc:
                self.view.problem(exc.format())

    # -- invocations (called by the local cloud through the live server) ------------------------

    def invoke(self, function_name: str, event: Any, request_id: str | None) -> InvocationResult:
        with self._lock:
            function = self.functions[function_name]
        self.view.begin(function.logical_id)
        try:
            result = function.pool.invoke(event, request_id=request_id)
            self.view.invocation(function.logical_id, event, result)
        finally:
            self.view.end(function.logical_id)
        for listener in self.listeners:
            listener(function.name, event, result)
        return result

    def _denied(self, function_name: str, lines: list[str]) -> None:
        """What IAM denied a live function (the local cloud tells it after the invocation)."""
        with self._lock:
            function = self.functions.get(function_name)
        for line in lines:
            self.view.problem(f"{function.logical_id if function else function_name}: {line}")

    # -- deploy and pools ---------------------------------------------------------------------

    def _deploy(self, project: Project) -> None:
        result = deploy(project, clients=self.clients, command="squall dev")
        self.outputs = result.outputs
        self._dirty = False

    def _environment(self, logical_id: str, config: dict[str, Any]) -> dict[str, str]:
        """The deployed function's environment; metadata spilled into its package is written to a file in
        ``.squall/dev`` instead, since dev runs from the source tree, not the package."""
        environment = dict(config.get("Environment", {}).get("Variables", {}))
        if SPILL_VARIABLE not in environment:
            return environment
        bound = {b.resource for b in self.project.graph.bindings if b.function == logical_id}
        everything = bound_environment(self.project, self.clients)
        spilled = {
            key[len(ENV_PREFIX) :]: json.loads(value)
            for key, value in everything.items()
            if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX) :] in bound
        }
        # The developer's own state (resource metadata, maybe secrets' names): private, as SQUALL_HOME is.
        path = self.project.root / ".squall" / "dev" / f"{logical_id}.resources.json"
        write_private(path, json.dumps(spilled, sort_keys=True))
        environment[SPILL_VARIABLE] = str(path)
        return environment

    def _spec(self, logical_id: str, name: str, debug_port: int | None) -> tuple[FunctionSpec, str]:
        """The function as deployed, and its role's ARN."""
        config = self.clients("lambda").get_function_configuration(FunctionName=name)
        concurrency = self.clients("lambda").get_function_concurrency(FunctionName=name)
        runtime = str(config.get("Runtime") or "python3.12")
        spec = FunctionSpec(
            name=name,
            code_dir=self.project.root,
            handler=config["Handler"],
            environment=self._environment(logical_id, config),
            timeout=DEBUG_TIMEOUT if debug_port else float(config["Timeout"]),
            memory_size=int(config["MemorySize"]),
            reserved_concurrency=1 if debug_port else concurrency.get("ReservedConcurrentExecutions"),
            arn=config["FunctionArn"],
            region=self.clients.region,
            launcher=("-m", "debugpy", "--listen", f"127.0.0.1:{debug_port}") if debug_port else (),
            python=self._interpreter(runtime),
            import_path=self._import_path(runtime),
            launcher_path=str(debugger_folder(self._build.cache)) if debug_port else "",
            log_format=str((config.get("LoggingConfig") or {}).get("LogFormat") or "Text"),
        )
        return spec, str(config.get("Role", ""))

    def _interpreter(self, runtime: str) -> str:
        """The interpreter ``runtime`` names, or squall's own, said once per runtime when it is not here."""
        interpreter = find_interpreter(runtime)
        if not interpreter.exact and runtime not in self._told:
            self._told.add(runtime)
            self.view.problem(notice(runtime, interpreter))
        return interpreter.path

    def _import_path(self, runtime: str) -> tuple[str, ...]:
        """What a live function imports besides the source tree, as its deployed package holds it: the
        declared dependencies (installed once per set, by the build), squall's SDK, the runtime's libraries.
        """
        deps = self._build.dependencies(runtime)
        folders = [deps] if deps is not None else []
        folders += [self._build.sdk_folder(), provided_libraries(self._build.cache)]
        return tuple(str(folder) for folder in folders)

    def _role_session(self, name: str, role: str) -> tuple[Credentials, float]:
        """Credentials of a session of ``role`` (STS AssumeRole), and when they expire."""
        answer = self.clients("sts").assume_role(
            RoleArn=role, RoleSessionName=name[:64], DurationSeconds=ROLE_SESSION_SECONDS
        )
        issued = answer["Credentials"]
        credentials = Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
        return credentials, issued["Expiration"].timestamp()

    def _debugged(self, logical_id: str) -> bool:
        return self.debug is not None and self.debug in ("*", logical_id)

    def _sync_functions(self, project: Project, *, rebuild: bool = False) -> None:
        """Pools for the graph's functions: new ones made, changed ones respecified, removed ones closed.

        ``rebuild``: every function gets a new pool (the old ones finish their invocations, then close).
        """
        wanted = {
            r.physical_name: r for r in project.graph.of_type("AWS::Lambda::Function") if r.physical_name
        }
        debug_ports = iter(range(DEBUG_PORT, DEBUG_PORT + 100))
        fresh: list[LiveFunction] = []
        retired: list[FunctionPool] = []
        specs = {
            name: self._spec(
                resource.logical_id, name, next(debug_ports) if self._debugged(resource.logical_id) else None
            )
            for name, resource in sorted(wanted.items())
        }
        self._ensure_template([spec for spec, _ in specs.values()])
        now = time.time()
        with self._lock:
            current_functions = dict(self.functions)
        sessions = {
            name: self._role_session(name, role)
            for name, (_, role) in specs.items()
            if rebuild
            or name not in current_functions
            or current_functions[name].role != role
            or current_functions[name].renewal_due(now)
        }
        with self._lock:
            for name in [n for n in self.functions if n not in wanted]:
                self.functions.pop(name).pool.close()
            for name, resource in sorted(wanted.items()):
                spec, role = specs[name]
                port = int(spec.launcher[-1].rsplit(":", 1)[1]) if spec.launcher else None
                module = spec.handler.rpartition(".")[0]
                current = self.functions.get(name)
                if name in sessions:
                    credentials, expires = sessions[name]
                    pool = FunctionPool(
                        spec,
                        endpoint_url=self.clients.endpoint,
                        credentials=credentials,
                        compile_from_source=True,
                        template=self._template if port is None else None,
                    )
                    if current is not None:
                        retired.append(current.pool)
                    current = LiveFunction(resource.logical_id, name, module, pool, port, role, expires)
                    self.functions[name] = current
                    fresh.append(current)
                elif current is not None and dataclasses.replace(current.pool.spec) != spec:
                    current.handler_module = module
                    current.pool.replace_workers(spec, prewarm=False)
                    fresh.append(current)
        for pool in retired:  # in-flight invocations finish on the old pool's workers
            threading.Thread(target=pool.close, name="retire-pool", daemon=True).start()
        self._prewarm(fresh)
        for function in fresh:
            if function.debug_port:
                self.view.info(
                    f"{function.logical_id}: debugger on 127.0.0.1:{function.debug_port} (attach to it)"
                )

    def _ensure_template(self, specs: list[FunctionSpec]) -> None:
        """One template process for the project: it imports every handler's libraries once, and every
        worker of every function is forked from it, so neither start-up nor a reload pays for them again."""
        plain = [spec for spec in specs if not spec.launcher]
        if (self._template is not None and self._template.alive()) or not plain:
            return
        # No credentials: each worker forked from it gets its own function's role session.
        env = build_environment(plain[0], log_stream_name="template", endpoint_url=self.clients.endpoint)
        env["_SQUALL_COMPILE_FROM_SOURCE"] = "1"
        template = TemplateProcess(
            python=plain[0].python,
            code_dir=self.project.root,
            launcher=plain[0].interpreter_flags,
            env=env,
            preload=tuple(sorted({spec.handler for spec in plain})),
        )
        try:
            template.ready(30.0)
        except Exception as exc:
            template.close()
            self.view.problem(f"could not start the template worker ({exc}); functions start cold")
            return
        self._template = template

    def _prewarm(self, functions: list[LiveFunction]) -> list[str]:
        """Start a worker of each function; the logical ids of those that could not start."""

        def warm(function: LiveFunction) -> str | None:
            try:
                error = function.pool.prewarm()
            except Exception as exc:  # a broken handler is reported per invocation, as Lambda does
                self.view.problem(f"{function.logical_id}: {exc}")
                return function.logical_id
            if error is None:
                return None
            if error.get("errorType") != "Runtime.UserCodeSyntaxError":  # shown with its line already
                self.view.problem(
                    f"{function.logical_id}: {error.get('errorType')}: {error.get('errorMessage')}"
                )
            return function.logical_id

        with ThreadPoolExecutor(max_workers=max(1, len(functions))) as executor:
            return [name for name in executor.map(warm, functions) if name is not None]

    # -- the live link ------------------------------------------------------------------------

    def _registration(self, method: str, body: bytes | None) -> None:
        endpoint = self.clients.endpoint or ""
        path = f"/_squall/live/{self.session_id}"
        headers = {"host": urlsplit(endpoint).netloc, "content-type": "application/json"}
        headers.update(
            sign_headers(
                method=method,
                path=path,
                query="",
                headers=headers,
                body=body or b"",
                access_key_id=self._key.access_key_id,
                secret_access_key=self._key.secret_access_key,
                region=self.clients.region,
                service="squall",
                now=time.time(),
            )
        )
        request = urllib.request.Request(endpoint + path, data=body, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()

    def _register(self) -> None:
        with self._lock:
            names = sorted(self.functions)
        body = json.dumps({"url": self._server.url, "functions": names}).encode()
        try:
            self._registration("PUT", body)
        except urllib.error.HTTPError as exc:
            raise DevError(
                f"the local cloud at {self.clients.endpoint} refused the live link ({exc.code})",
                hint="it may be an older squall's; restart it: squall cloud stop && squall dev",
            ) from exc

    def _unregister(self) -> None:
        # When the cloud is gone, its lease on this session expires by itself.
        with contextlib.suppress(OSError):
            self._registration("DELETE", None)

    def _heartbeat(self) -> None:
        while not self.stopping.wait(HEARTBEAT_SECONDS):
            try:
                self._register()
            except OSError as exc:
                self.view.problem(f"cannot reach the local cloud to renew the live link: {exc}")
            with self._lock:
                due = any(f.renewal_due(time.time()) for f in self.functions.values())
            if due:
                try:
                    self._sync_functions(self.project)
                except Exception as exc:  # the session goes on; the next beat tries again
                    self.view.problem(f"could not renew the functions' role credentials: {exc}")

    # -- reloads ------------------------------------------------------------------------------

    def _watch(self) -> None:
        import watchfiles

        root = self.project.root

        def relevant(change: watchfiles.Change, path: str) -> bool:
            parts = Path(path).relative_to(root).parts if path.startswith(str(root)) else ()
            if parts in ((DEPENDENCY_FILES[0],), (DEPENDENCY_FILES[1],)):
                return True
            return bool(parts) and not SKIPPED_DIRS.intersection(parts[:-1]) and path.endswith(".py")

        for changes in watchfiles.watch(
            root,
            watch_filter=relevant,
            debounce=50,
            step=2,
            stop_event=self.stopping,
            rust_timeout=500,
            yield_on_timeout=False,
            raise_interrupt=False,
        ):
            started = time.perf_counter()
            paths = {Path(path) for _, path in changes}
            try:
                self.apply_changes(paths, started)
            except Exception as exc:  # a reload problem must never end the session
                self.view.problem(f"reload failed: {exc}")

    def apply_changes(self, paths: set[Path], started: float | None = None) -> list[str]:
        """Reload what ``paths`` affect; the logical ids of the functions whose workers were replaced."""
        started = started or time.perf_counter()
        self._dirty = True
        if any(path.name == CONFIG_FILE and path.parent == self.project.root for path in paths):
            self._reload_config()
            return sorted(f.logical_id for f in self.functions.values())
        if any(path.name in DEPENDENCY_FILES and path.parent == self.project.root for path in paths):
            names = self._reload_dependencies()
            self.view.reloaded(names, "dependencies", (time.perf_counter() - started) * 1000)
            return names
        broken: set[Path] = set()
        for path in paths:
            self._imports.refresh(path)
            if not self._report_syntax(path):
                broken.add(path.resolve())
        with self._lock:
            affected = [
                function
                for function in self.functions.values()
                if self._imports.closure(function.handler_module).intersection(p.resolve() for p in paths)
            ]
        for function in affected:
            function.pool.replace_workers(prewarm=False)
        failed = set(self._prewarm(affected))
        failed.update(
            f.logical_id for f in affected if self._imports.closure(f.handler_module).intersection(broken)
        )
        names = sorted(function.logical_id for function in affected)
        shown = ", ".join(
            str(p.relative_to(self.project.root))
            for p in sorted(paths)
            if p.is_relative_to(self.project.root)
        )
        reloaded = [name for name in names if name not in failed]
        if reloaded or not failed:
            self.view.reloaded(reloaded, shown, (time.perf_counter() - started) * 1000)
        if failed:
            # The new workers run the broken code, as Lambda would: say so rather than claim a reload.
            self.view.problem(
                f"{shown} → {', '.join(sorted(failed))} failed to reload; "
                "its requests fail until the code is fixed"
            )
        return names

    def _reload_dependencies(self) -> list[str]:
        """The declared dependencies changed: every function gets new workers (and a new template) that
        import the new set, installed first (once per set, as for the deploy package): when that fails, the
        functions keep running on the set they had. Requests keep being served by the old pools meanwhile."""
        runtimes = {
            str(r.properties.get("Runtime")) for r in self.project.graph.of_type("AWS::Lambda::Function")
        }
        for runtime in sorted(runtimes):
            self._build.dependencies(runtime)
        template, self._template = self._template, None
        try:
            self._sync_functions(self.project, rebuild=True)
        finally:
            if template is not None:
                template.close()
        return sorted(f.logical_id for f in self.functions.values())

    def _report_syntax(self, path: Path) -> bool:
        """Whether ``path`` compiles (or is gone); a syntax error is shown with its file and line."""
        if not path.is_file():
            return True
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            where = path.relative_to(self.project.root) if path.is_relative_to(self.project.root) else path
            self.view.problem(f"{where}:{exc.lineno}: SyntaxError: {exc.msg}")
            return False
        except ValueError as exc:
            self.view.problem(f"{path}: {exc}")
            return False
        return True

    def _reload_config(self) -> None:
        started = time.perf_counter()
        try:
            project = load_project(self.config_path, self.project.graph.stage)
            self._deploy(project)
        except SquallError as exc:
            self.view.problem(exc.format())
            return
        self.project = project
        if self.on_project is not None:
            self.on_project(project)
        write_types(project.app)
        self._imports = ImportGraph(project.root)
        self._sync_functions(project)
        self._register()
        self.view.info(f"{CONFIG_FILE} applied in {(time.perf_counter() - started) * 1000:.0f} ms")
