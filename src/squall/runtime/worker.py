"""The Python Lambda runtime loop that runs inside every worker process.

A worker is started by the parent (``pool.py``) as ``python /path/to/worker.py FD`` in the function's code
root, with the Lambda environment already set. ``FD`` is one end of a Unix socketpair; everything between
parent and worker travels on it as frames: a 4-byte big-endian length, a one-byte kind, then the payload.

    worker -> parent   L  log text (UTF-8), sent line by line while the code runs
                       I  init finished: {"init_ms": float, "error": error dict | null}
                       R  result: {"ok": bool, "dur": ms, "mem": MB, "payload": ... | "error": {...}}
    parent -> worker   V  invoke: {"id", "event", "deadline_ms", "arn", "client_context", "identity"}

The worker imports the handler once, then answers one invocation at a time until the socket closes.
An import failure does not end the worker: every invocation is answered with that error, as Lambda does.
Errors have the shape the AWS Python runtime gives them (``errorMessage``, ``errorType``, ``requestId``,
``stackTrace``), and log lines follow its text format.

This module must import nothing outside the standard library: it is spawned by path, possibly with an
interpreter that has no squall installed, and its startup time is every cold start's floor.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import importlib.machinery
import io
import json
import logging
import os
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

LOG = b"L"
INIT = b"I"
RESULT = b"R"
INVOKE = b"V"

_HEADER = struct.Struct(">I")
RESPONSE_LIMIT_BYTES = 6_291_556
"""Lambda's synchronous response limit, "6 MB", exactly as its error message counts it."""
_ERROR_LINE_END = "\r"
_ERROR_INDENT = "\u00a0"


class Channel:
    """Length-prefixed frames over a stream socket; ``send`` is safe from several threads."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = bytearray()
        self._send_lock = threading.Lock()

    def send(self, kind: bytes, payload: bytes) -> None:
        frame = _HEADER.pack(len(payload) + 1) + kind + payload
        with self._send_lock:
            self.sock.sendall(frame)

    def recv(self, timeout: float | None = None) -> tuple[bytes, bytes] | None:
        """The next frame as (kind, payload); None once the other side has closed.

        Raises ``TimeoutError`` when ``timeout`` seconds pass without a whole frame.
        """
        buf = self._buf
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if len(buf) >= 4:
                (size,) = _HEADER.unpack_from(buf)
                if len(buf) >= 4 + size:
                    frame = bytes(buf[4 : 4 + size])
                    del buf[: 4 + size]
                    return frame[:1], frame[1:]
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            buf += chunk


class _LogWriter(io.TextIOBase):
    """Stands in for stdout/stderr: sends whole lines to the parent as log frames."""

    def __init__(self, channel: Channel) -> None:
        super().__init__()
        self._channel = channel
        self._pending: list[str] = []
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, s: str) -> int:
        with self._lock:
            self._pending.append(s)
            if "\n" not in s:
                return len(s)
            text = "".join(self._pending)
            self._pending.clear()
        self._channel.send(LOG, text.encode("utf-8", "replace"))
        return len(s)

    def flush(self) -> None:
        with self._lock:
            text = "".join(self._pending)
            self._pending.clear()
        if text:
            self._channel.send(LOG, text.encode("utf-8", "replace"))


class LambdaContext:
    """The ``context`` argument, with the attributes and method of the AWS Python runtime's."""

    def __init__(self, request_id: str, deadline_ms: int, invoked_function_arn: str) -> None:
        env = os.environ
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity: object = None
        self.client_context: object = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg: str) -> None:
        sys.stdout.write(msg)

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
            f"identity={self.identity}])"
        )


class Fault(Exception):
    """A runtime-detected error (import, handler lookup, marshalling) with its Lambda error type."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def make_error(message: str, error_type: str, trace: list[str], request_id: str = "") -> dict[str, object]:
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": trace}


def error_from_exception(exc: BaseException, request_id: str = "") -> dict[str, object]:
    frames = traceback.extract_tb(exc.__traceback__)
    # Drop the runtime's own frames, as the AWS runtime drops its bootstrap.py frames.
    user = [f for f in frames if f.filename != __file__] or list(frames)
    return make_error(str(exc), type(exc).__name__, traceback.format_list(user), request_id)


def format_error_log(error: dict[str, Any]) -> str:
    """The ``[ERROR] Type: message`` log entry, one record with ``\\r`` between lines as AWS writes it.

    When the function's log format is JSON, the error document with a timestamp and ``log_level``.
    """
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return json.dumps({"timestamp": stamp, "log_level": "ERROR", **error}) + "\n"
    head = "[ERROR]"
    if error.get("errorType"):
        head += " " + str(error["errorType"]) + ":"
    if error.get("errorMessage"):
        head += " " + str(error["errorMessage"])
    lines = [head]
    trace = error.get("stackTrace")
    if trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in trace:
            for line in str(element).splitlines():
                stripped = line.lstrip(" ")
                lines.append(_ERROR_INDENT * (len(line) - len(stripped)) + stripped)
    return _ERROR_LINE_END.join(lines) + "\n"


def load_handler(handler: str) -> Callable[..., object]:
    """Import ``"functions/shorten.handler"`` or ``"functions.shorten.handler"`` and return the callable."""
    module_name, sep, attr = handler.rpartition(".")
    if not sep or not module_name:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': not enough values to unpack")
    # Messages name the module as the handler spells it ("functions/x"), as the AWS runtime's do.
    spelled, module_name = module_name, module_name.replace("/", ".")
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise Fault(
                "Runtime.BuiltInModuleConflict",
                f"Cannot use built-in module {spelled} as a handler module",
            )
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise Fault("Runtime.ImportModuleError", f"Unable to import module '{spelled}': {exc}") from exc
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise Fault(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{spelled}': {exc}", trace
        ) from exc
    try:
        fn = getattr(module, attr)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound", f"Handler '{attr}' missing on module '{spelled}'") from None
    if not callable(fn):
        raise Fault("Runtime.HandlerNotFound", f"Handler '{attr}' missing on module '{spelled}'")
    return fn  # type: ignore[no-any-return]


def _json_default(obj: object) -> object:
    # DynamoDB hands out Decimals; the AWS runtime serialises them as numbers.
    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def to_json(obj: object) -> bytes:
    try:
        return json.dumps(obj, default=_json_default).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise Fault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc


def _max_memory_mb() -> int:
    """This worker's peak resident memory in MB.

    ``/proc/self/status`` VmHWM is the peak of this process's own memory; ``ru_maxrss`` is not: exec keeps
    the high-water mark of the process that forked it (the local cloud, hundreds of MB).
    """
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:
        return 0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss // (1 << 20) if sys.platform == "darwin" else rss // 1024)


def _lambda_log_formatter() -> logging.Formatter:
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    return formatter


_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "aws_request_id",
}


class _JsonFormatter(logging.Formatter):
    """A record as the AWS Python runtime writes it when the function's log format is JSON."""

    def __init__(self) -> None:
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")
        self.converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, object] = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        if record.exc_info and record.exc_info[0] is not None:
            document["stackTrace"] = traceback.format_tb(record.exc_info[2])
            document["errorType"] = record.exc_info[0].__name__
            document["errorMessage"] = str(record.exc_info[1])
        document["requestId"] = getattr(record, "aws_request_id", None) or None
        # Anything passed with ``extra=`` becomes a field of its own.
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in document:
                document[key] = value
        return json.dumps(
            {k: v for k, v in document.items() if v is not None}, default=str, ensure_ascii=False
        )


class _LogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root logging handler of the AWS runtime: one line per record (``\r`` between its lines)."""

    terminator = "\n"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime.stdout)
        self._runtime = runtime
        json_format = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
        self.setFormatter(_JsonFormatter() if json_format else _lambda_log_formatter())

    def emit(self, record: logging.LogRecord) -> None:
        record.aws_request_id = self._runtime.request_id
        super().emit(record)

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", "\r")


class Runtime:
    """One worker's state: the channel, the loaded handler (or its init error), the current request."""

    def __init__(self, channel: Channel, handler: str) -> None:
        self.channel = channel
        self.handler_name = handler
        self.stdout = _LogWriter(channel)
        self.request_id = ""
        self.handler: Callable[..., object] | None = None
        self.init_error: dict[str, object] | None = None

    def init(self) -> None:
        sys.stdout = self.stdout
        sys.stderr = self.stdout
        root = logging.getLogger()
        root.addHandler(_LogHandler(self))
        if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
            # Lambda's ApplicationLogLevel (INFO unless set) applies to the root logger in JSON format.
            root.setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper())
        start = time.perf_counter()
        try:
            self.handler = load_handler(self.handler_name)
        except Fault as fault:
            self.init_error = make_error(fault.message, fault.error_type, fault.trace)
        except Exception as exc:
            self.init_error = error_from_exception(exc)
        init_ms = (time.perf_counter() - start) * 1000
        if self.init_error is not None:
            self.stdout.write(format_error_log(self.init_error))
        self.stdout.flush()
        self.channel.send(INIT, json.dumps({"init_ms": init_ms, "error": self.init_error}).encode())

    def invoke(self, message: dict[str, Any]) -> None:
        request_id = self.request_id = str(message["id"])
        start = time.perf_counter()
        error: dict[str, object] | None = None
        payload = b""
        if self.handler is None:
            assert self.init_error is not None
            error = dict(self.init_error, requestId=request_id)
        else:
            context = LambdaContext(request_id, int(message["deadline_ms"]), str(message["arn"]))
            context.client_context = message.get("client_context")
            context.identity = message.get("identity")
            try:
                payload = to_json(self.handler(message["event"], context))
            except Fault as fault:
                error = make_error(fault.message, fault.error_type, fault.trace, request_id)
            except Exception as exc:
                error = error_from_exception(exc, request_id)
        duration = (time.perf_counter() - start) * 1000
        if error is None and len(payload) > RESPONSE_LIMIT_BYTES:
            # Lambda's own answer, not the runtime's: no trace, and nothing written to the function's log.
            error = {
                "errorMessage": "Response payload size exceeded maximum allowed payload size "
                f"({RESPONSE_LIMIT_BYTES} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }
        elif error is not None:
            self.stdout.write(format_error_log(error))
        self.stdout.flush()
        head = f'{{"dur":{duration:.3f},"mem":{_max_memory_mb()},'.encode()
        if error is None:
            frame = head + b'"ok":true,"payload":' + payload + b"}"
        else:
            frame = head + b'"ok":false,"error":' + json.dumps(error).encode() + b"}"
        self.channel.send(RESULT, frame)
        self.request_id = ""

    def serve(self) -> None:
        while True:
            frame = self.channel.recv()
            if frame is None:
                return
            kind, body = frame
            if kind == INVOKE:
                self.invoke(json.loads(body))


class _SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """Compiles from source every time: no stat means no bytecode is read or written."""

    def path_stats(self, path: str) -> Any:
        raise OSError("bytecode cache bypassed")


def compile_from_source(root: str) -> None:
    """Import the modules under ``root`` from their source, never from ``__pycache__``.

    A reload can rewrite a file within the same second and with the same size, which the mtime-based
    bytecode check cannot see. Installed packages (``site-packages``, hidden folders such as ``.venv``)
    keep their bytecode cache.
    """
    machinery = importlib.machinery
    finder_hook = machinery.FileFinder.path_hook(
        (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
        (_SourceOnlyLoader, machinery.SOURCE_SUFFIXES),
        (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES),
    )
    root = os.path.abspath(root)

    def hook(entry: str) -> Any:
        path = os.path.abspath(entry or ".")
        inside = path == root or path.startswith(root + os.sep)
        parts = path[len(root) :].split(os.sep)
        if not inside or "site-packages" in parts or any(p.startswith(".") for p in parts):
            raise ImportError("not the function's own code")
        return finder_hook(path)

    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.clear()


ORPHAN_CHECK_SECONDS = 0.2


def end_group() -> None:
    """Kill this worker's process group (itself and whatever its handler started), or just exit.

    A worker leads its own group (the parent starts it in a session of its own, a template's fork calls
    ``setsid``); anything else would kill its parent's group, so it only exits then.
    """
    if os.getpgid(0) == os.getpid():
        import signal

        os.killpg(0, signal.SIGKILL)
    os._exit(1)


def _exit_when_orphaned(parent: int) -> None:
    # A handler stuck in a loop never reads the socket's EOF; this makes sure no worker, and nothing its
    # handler forked, outlives its parent, even one killed with SIGKILL.
    while True:
        time.sleep(ORPHAN_CHECK_SECONDS)
        if os.getppid() != parent:
            end_group()


PID = b"P"
FORK = b"F"


def _is_project_module(module: object, root: str) -> bool:
    path = getattr(module, "__file__", None)
    if not isinstance(path, str):
        return False
    path = os.path.abspath(path)
    if not path.startswith(root + os.sep):
        return False
    parts = path[len(root) + 1 :].split(os.sep)
    return "site-packages" not in parts and not any(p.startswith(".") for p in parts[:-1])


def _forget_project_modules(root: str) -> None:
    """Drop the function's own modules, so the next import reads today's source; libraries stay loaded."""
    for name, module in list(sys.modules.items()):
        if _is_project_module(module, root):
            del sys.modules[name]
    importlib.invalidate_caches()
    logging.root.handlers.clear()


def _run_forked(request: dict[str, Any], fd: int, root: str) -> None:
    """Become a worker: the environment of the request, today's project modules, the pool's channel."""
    import signal

    os.setsid()  # a group of its own, as a spawned worker has: stopping it stops what its handler started
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.pop("_SQUALL_PATH", None)  # the template's path is already this worker's
    _forget_project_modules(root)
    boto3: Any = sys.modules.get("boto3")
    if boto3 is not None:  # a default session made in the template would keep the template's credentials
        boto3.DEFAULT_SESSION = None
    child = Channel(socket.socket(fileno=fd))
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()
    runtime = Runtime(child, os.environ.get("_HANDLER", ""))
    runtime.init()
    runtime.serve()
    end_group()


def _fork_spare(root: str, template_sock: socket.socket) -> tuple[int, socket.socket]:
    """A forked child that waits to be handed a worker's channel: the next reload skips the fork."""
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        try:
            template_sock.close()
            parent_end.close()
            _forget_project_modules(root)
            data, fds, _flags, _addr = socket.recv_fds(child_end, 1 << 20, 1)
            if data and fds:  # empty: the template is gone or retired this spare
                child_end.close()
                _run_forked(json.loads(data), fds[0], root)
        finally:
            os._exit(0)
    child_end.close()
    return pid, parent_end


def serve_template(sock: socket.socket, root: str) -> None:
    """A template worker: import the handler once to load its libraries, then fork fresh workers on request.

    A forked worker starts with the libraries (boto3 and the like) already imported and re-imports only the
    function's own modules, from source: a reload costs those modules, not a cold start. Each fork request
    carries the new worker's end of a socketpair (as SCM_RIGHTS) and its environment. A spare child is forked
    ahead of each request, so the request only hands it the channel.
    """
    import signal

    channel = Channel(sock)
    start = time.perf_counter()
    devnull = open(os.devnull, "w")  # noqa: SIM115 - kept open for the template's life
    sys.stdout = sys.stderr = devnull
    # A broken handler still leaves loaded whatever it imported before it failed.
    for handler in os.environ.get("_SQUALL_PRELOAD", os.environ.get("_HANDLER", "")).split(","):
        with contextlib.suppress(BaseException):
            load_handler(handler)
    channel.send(INIT, json.dumps({"init_ms": (time.perf_counter() - start) * 1000, "error": None}).encode())
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked workers are reaped by the kernel
    spare: tuple[int, socket.socket] | None = _fork_spare(root, sock)
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 20, 1)
        except OSError:
            return
        if not data:
            return
        if not fds:
            continue
        pid = 0
        if spare is not None:
            spare_pid, spare_sock = spare
            try:
                socket.send_fds(spare_sock, [data], [fds[0]])
                pid = spare_pid
            except OSError:
                pid = 0  # the spare died: fork one now
            spare_sock.close()
        if not pid:
            pid = os.fork()
            if pid == 0:
                try:
                    sock.close()
                    _run_forked(json.loads(data), fds[0], root)
                finally:
                    os._exit(0)
        os.close(fds[0])
        channel.send(PID, json.dumps({"pid": pid}).encode())
        spare = _fork_spare(root, sock)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    channel = Channel(socket.socket(fileno=int(args[0])))
    root = os.getcwd()
    # Run by path, sys.path[0] is this file's folder; the function's code root must come first instead.
    if sys.path and os.path.abspath(sys.path[0] or ".") in (os.path.dirname(os.path.abspath(__file__)), root):
        sys.path[0] = root
    else:
        sys.path.insert(0, root)
    # An isolated worker (``isolation.py``): what it may import besides its code root and the stdlib.
    extra = [p for p in os.environ.pop("_SQUALL_PATH", "").split(os.pathsep) if p]
    sys.path[1:1] = extra
    if os.environ.pop("_SQUALL_COMPILE_FROM_SOURCE", ""):
        compile_from_source(root)
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()
    if os.environ.pop("_SQUALL_TEMPLATE", ""):
        serve_template(channel.sock, root)
        end_group()  # its spare children too
        return 0
    runtime = Runtime(channel, os.environ.get("_HANDLER", ""))
    runtime.init()
    runtime.serve()
    end_group()  # the parent closed the channel: nothing the handler started may stay
    return 0


if __name__ == "__main__":
    sys.exit(main())
