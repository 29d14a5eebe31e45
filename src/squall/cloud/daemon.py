"""Managing the daemon from other processes: start it detached, find it, stop it.

``start`` spawns ``python -m squall.cloud serve`` in its own session with its output appended to
``<data>/cloud.log`` and polls until the daemon answers ``/_squall/health`` with its own pid
(deadline ``START_TIMEOUT``). A daemon that dies on the way is reported with the tail of its log.
``status`` trusts nothing but that answer: a pid file whose process is gone is cleaned up.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from http.client import HTTPConnection
from pathlib import Path

from squall.cloud.errors import CloudAlreadyRunning, CloudNotStarted, PortInUse
from squall.cloud.info import DEFAULT_PORT, HOST, CloudInfo, CloudPaths
from squall.home import squall_home

START_TIMEOUT = 30.0
"""A deadline, not a wait: a start on a busy machine (imports, recovery) can take several seconds."""
STOP_TIMEOUT = 10.0
_POLL = 0.02
LAST_PORT_FILE = "last.port"


def resolve_home(home: Path | None) -> Path:
    return home if home is not None else squall_home()


def resolve_port(port: int | None) -> int:
    """Explicit port, then ``$SQUALL_CLOUD_PORT``, then 4590."""
    if port is not None:
        return port
    from_env = os.environ.get("SQUALL_CLOUD_PORT")
    return int(from_env) if from_env else DEFAULT_PORT


def status(home: Path | None = None) -> CloudInfo | None:
    """The running local cloud for ``home``, or None (stale pid files are removed)."""
    paths = CloudPaths.under(resolve_home(home))
    pid = _read_int(paths.pid_file)
    if pid is None:
        return None
    if not _alive(pid):
        _forget(paths)
        return None
    port = _read_int(paths.port_file)
    return _probe(port, pid, paths) if port is not None else None


def start(home: Path | None = None, port: int | None = None, foreground: bool = False) -> CloudInfo | None:
    """Start the local cloud; in the background, return once it answers (None after a foreground run).

    The port: the one asked for (or ``$SQUALL_CLOUD_PORT``), else the one this home used last, so URLs such
    as an API's endpoint stay valid, else 4590. When that default is taken by something else (another
    home's cloud, say), a background start takes any free port rather than failing.
    """
    home = resolve_home(home)
    paths = CloudPaths.under(home)
    explicit = port is not None or bool(os.environ.get("SQUALL_CLOUD_PORT"))
    chosen = resolve_port(port) if explicit else (_remembered_port(paths) or DEFAULT_PORT)
    running = status(home)
    if running is not None:
        raise CloudAlreadyRunning(
            f"the local cloud is already running at {running.endpoint} (pid {running.pid})",
            hint="`squall cloud stop` stops it",
        )
    from squall.cloud import server

    server.prepare(paths)
    if foreground:
        server.configure_logging()
        server.serve(home, chosen)
        return None
    try:
        info = _spawn(home, chosen, paths)
    except PortInUse:
        if explicit:
            raise
        info = _spawn(home, 0, paths)
    (paths.data / LAST_PORT_FILE).write_text(f"{info.port}\n")
    return info


def _remembered_port(paths: CloudPaths) -> int | None:
    return _read_int(paths.data / LAST_PORT_FILE)


def ensure_running(home: Path | None = None, port: int | None = None) -> CloudInfo:
    """The running local cloud for ``home``, started in the background first if needed."""
    home = resolve_home(home)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        info = status(home)
        if info is not None:
            return info
        pid = _read_int(CloudPaths.under(home).pid_file)
        if pid is None or not _alive(pid):
            try:
                started = start(home, port)
            except CloudAlreadyRunning:
                started = None
            if started is not None:
                return started
        if time.monotonic() > deadline:
            raise CloudNotStarted(f"the local cloud for {home} did not answer within {START_TIMEOUT:.0f} s")
        time.sleep(_POLL)


def stop(home: Path | None = None) -> bool:
    """Stop the local cloud (SIGTERM, then SIGKILL after ``STOP_TIMEOUT``); False if none ran."""
    paths = CloudPaths.under(resolve_home(home))
    pid = _read_int(paths.pid_file)
    if pid is None or not _alive(pid):
        _forget(paths)
        return False
    os.kill(pid, signal.SIGTERM)
    if not _wait_gone(pid, STOP_TIMEOUT):
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, STOP_TIMEOUT)
    _forget(paths)
    return True


def reset(home: Path | None = None) -> None:
    """Wipe the local cloud's data; a running daemon is stopped first and started again after."""
    home = resolve_home(home)
    paths = CloudPaths.under(home)
    port = _read_int(paths.port_file)
    was_running = stop(home)
    shutil.rmtree(paths.state, ignore_errors=True)
    if was_running:
        start(home, port)


def _spawn(home: Path, port: int, paths: CloudPaths) -> CloudInfo:
    log_fd = os.open(paths.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        offset = os.fstat(log_fd).st_size
        args = [sys.executable, "-m", "squall.cloud", "serve", "--home", str(home), "--port", str(port)]
        pid = os.posix_spawn(
            sys.executable,
            args,
            dict(os.environ),
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, log_fd, 1),
                (os.POSIX_SPAWN_DUP2, log_fd, 2),
            ],
            setsid=True,
        )
    finally:
        os.close(log_fd)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        code = _exit_code(pid)
        if code is not None:
            tail = _log_tail(paths.log_file, offset)
            if code == CloudAlreadyRunning.exit_code:
                info = status(home)
                if info is not None:
                    return info
                raise CloudAlreadyRunning(tail or f"a local cloud already runs on {paths.data}")
            error = PortInUse if code == PortInUse.exit_code else CloudNotStarted
            raise error(
                f"the local cloud did not start (exit code {code}):\n{tail}",
                hint=f"the full log is in {paths.log_file}",
            )
        port_now = _read_int(paths.port_file)
        if port_now is not None and _read_int(paths.pid_file) == pid:
            info = _probe(port_now, pid, paths)
            if info is not None:
                return info
        time.sleep(_POLL)
    os.kill(pid, signal.SIGKILL)
    _wait_gone(pid, STOP_TIMEOUT)
    raise CloudNotStarted(
        f"the local cloud did not answer within {START_TIMEOUT:.0f} s:\n{_log_tail(paths.log_file, offset)}",
        hint=f"the full log is in {paths.log_file}",
    )


def _probe(port: int, pid: int, paths: CloudPaths) -> CloudInfo | None:
    connection = HTTPConnection(HOST, port, timeout=2.0)
    try:
        connection.request("GET", "/_squall/health")
        response = connection.getresponse()
        document = json.loads(response.read())
    except (OSError, ValueError):
        return None
    finally:
        connection.close()
    if not isinstance(document, dict) or document.get("pid") != pid:
        return None
    return CloudInfo(
        endpoint=str(document["endpoint"]),
        port=int(document["port"]),
        pid=pid,
        data=paths.data,
        started_at=float(document["started_at"]),
    )


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _forget(paths: CloudPaths) -> None:
    for path in (paths.pid_file, paths.port_file):
        path.unlink(missing_ok=True)


def _exit_code(pid: int) -> int | None:
    """The exit code of our child ``pid`` if it has ended (reaping it), else None."""
    try:
        done, raw = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None if _alive(pid) else -1
    return os.waitstatus_to_exitcode(raw) if done else None


def _alive(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(_POLL)
    return not _alive(pid)


def _log_tail(path: Path, offset: int, lines: int = 15) -> str:
    try:
        with open(path, "rb") as file:
            file.seek(offset)
            text = file.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])
