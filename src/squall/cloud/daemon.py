"""Managing the daemon from other processes: start it detached, find it, stop it.

``start`` spawns ``python -m squall.cloud serve`` in its own session with its output appended to
``<data>/cloud.log`` and polls until the daemon answers ``/_squall/health`` with its own pid. It
never gives up on a daemon that makes progress: while ``cloud.progress`` keeps changing (a long
recovery) it waits and shows it; only a daemon silent for ``STALL_TIMEOUT`` is stopped and reported.
A daemon that dies on the way is reported with the error it left (``cloud.error``) or the tail of
its log. ``stop`` waits the same way for the final snapshot. ``status`` trusts nothing but the
health answer: a pid file whose process is gone is cleaned up.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

from squall.cloud import huge_pages, progress
from squall.cloud.errors import CloudAlreadyRunning, CloudNotStarted, PortInUse, StateDamaged
from squall.cloud.info import DEFAULT_PORT, HOST, CloudInfo, CloudPaths
from squall.errors import SquallError
from squall.home import squall_home, tightened_note, write_private

STALL_TIMEOUT = 30.0  # how long a starting or stopping daemon may show no progress
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


def start(
    home: Path | None = None,
    port: int | None = None,
    foreground: bool = False,
    *,
    durability: str | None = None,
    on_ready: Callable[[str], None] | None = None,
    view: progress.View | None = None,
) -> CloudInfo | None:
    """Start the local cloud; in the background, return once it answers (None after a foreground run).

    The port: the one asked for (or ``$SQUALL_CLOUD_PORT``), else the one this home used last, so URLs such
    as an API's endpoint stay valid, else 4590. When that default is taken by something else (another
    home's cloud, say), a background start takes any free port rather than failing. ``durability``
    (``default`` or ``strict``) is remembered for this home's later starts; see ``server.resolve_durability``.
    A daemon that is already recovering is waited for rather than started twice.
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

    changed = server.prepare(paths)
    if changed:
        print(tightened_note(home, changed), file=sys.stderr)
    if durability is not None:
        server.resolve_durability(durability)
        write_private(paths.durability_file, durability)
    if foreground:
        server.configure_logging()
        server.serve(home, chosen, durability, on_ready)
        return None
    starting = _starting(paths)
    if starting is not None:
        return _wait_ready(home, paths, starting, child=False, view=view)
    try:
        info = _spawn(home, chosen, paths, durability, view)
    except PortInUse:
        if explicit:
            raise
        info = _spawn(home, 0, paths, durability, view)
    write_private(paths.data / LAST_PORT_FILE, f"{info.port}\n")
    return info


def _starting(paths: CloudPaths) -> int | None:
    """The pid of a daemon of this home that is still recovering, if one is."""
    state = progress.read(paths.progress_file)
    if state is None or not _alive(state.pid):
        return None
    return state.pid


def _remembered_port(paths: CloudPaths) -> int | None:
    return _read_int(paths.data / LAST_PORT_FILE)


def ensure_running(
    home: Path | None = None, port: int | None = None, view: progress.View | None = None
) -> CloudInfo:
    """The running local cloud for ``home``, started in the background first if needed."""
    home = resolve_home(home)
    paths = CloudPaths.under(home)
    deadline = time.monotonic() + STALL_TIMEOUT
    while True:
        info = status(home)
        if info is not None:
            return info
        pid = _read_int(paths.pid_file)
        if pid is None or not _alive(pid):
            try:
                started = start(home, port, view=view)
            except CloudAlreadyRunning:
                started = None
            if started is not None:
                return started
        if time.monotonic() > deadline:
            raise CloudNotStarted(
                f"the local cloud for {home} did not answer for {STALL_TIMEOUT:.0f} s",
                hint=f"its log is {paths.log_file}",
            )
        time.sleep(_POLL)


def stop(home: Path | None = None, view: progress.View | None = None) -> bool:
    """Stop the local cloud: SIGTERM, then wait while it saves its final snapshot; False if none ran.

    SIGKILL comes only after ``STOP_TIMEOUT`` without progress (the snapshot being written grows).
    """
    paths = CloudPaths.under(resolve_home(home))
    pid = _read_int(paths.pid_file)
    if pid is None or not _alive(pid):
        _forget(paths)
        return False
    os.kill(pid, signal.SIGTERM)
    shown = view or progress.View("Stopping the local cloud")
    last: tuple[str, int] | None = None
    quiet_until = time.monotonic() + STOP_TIMEOUT
    while _alive(pid):
        state = progress.read(paths.progress_file)
        if state is not None and state.pid == pid and (state.phase, state.done) != last:
            last = (state.phase, state.done)
            quiet_until = time.monotonic() + STOP_TIMEOUT
            shown.show(state)
        if time.monotonic() > quiet_until:
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid, STOP_TIMEOUT)
            break
        time.sleep(_POLL)
    shown.close("stopped")
    _forget(paths)
    return True


def repair(home: Path | None = None) -> Any:
    """Repair this home's damaged state in this process (the daemon must not run); the report."""
    home = resolve_home(home)
    paths = CloudPaths.under(home)
    if status(home) is not None or _starting(paths) is not None:
        raise CloudAlreadyRunning(
            "the local cloud is running; repair works on a stopped one", hint="`squall cloud stop` stops it"
        )
    from squall.cloud import server

    server.prepare(paths)
    return server.repair(home)


def reset(home: Path | None = None) -> None:
    """Wipe the local cloud's data; a running daemon is stopped first and started again after."""
    home = resolve_home(home)
    paths = CloudPaths.under(home)
    port = _read_int(paths.port_file)
    was_running = stop(home)
    shutil.rmtree(paths.state, ignore_errors=True)
    if was_running:
        start(home, port)


def _spawn(
    home: Path, port: int, paths: CloudPaths, durability: str | None, view: progress.View | None
) -> CloudInfo:
    log_fd = os.open(paths.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        offset = os.fstat(log_fd).st_size
        args = [sys.executable, "-m", "squall.cloud", "serve", "--home", str(home), "--port", str(port)]
        if durability is not None:
            args += ["--durability", durability]
        pid = os.posix_spawn(
            sys.executable,
            args,
            huge_pages.environment(os.environ),
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, log_fd, 1),
                (os.POSIX_SPAWN_DUP2, log_fd, 2),
            ],
            setsid=True,
        )
    finally:
        os.close(log_fd)
    return _wait_ready(home, paths, pid, child=True, view=view, log_offset=offset)


def _wait_ready(
    home: Path,
    paths: CloudPaths,
    pid: int,
    *,
    child: bool,
    view: progress.View | None,
    log_offset: int | None = None,
) -> CloudInfo:
    """Wait until daemon ``pid`` answers, as long as it shows progress; show that progress."""
    shown = view or progress.View("Starting the local cloud")
    last: tuple[str, int] | None = None
    quiet_until = time.monotonic() + STALL_TIMEOUT
    try:
        while True:
            code = _exit_code(pid) if child else (None if _alive(pid) else -1)
            if code is not None:
                info = status(home)
                if code == CloudAlreadyRunning.exit_code or (not child and info is not None):
                    if info is not None:
                        return info
                    other = _starting(paths)
                    if other is not None and other != pid:
                        return _wait_ready(home, paths, other, child=False, view=shown)
                    raise CloudAlreadyRunning(
                        _log_tail(paths.log_file, log_offset or 0)
                        or f"a local cloud already runs on {paths.data}"
                    )
                raise _start_failure(paths, pid, code, log_offset)
            port_now = _read_int(paths.port_file)
            if port_now is not None and _read_int(paths.pid_file) == pid:
                info = _probe(port_now, pid, paths)
                if info is not None:
                    shown.close("ready")
                    return info
            state = progress.read(paths.progress_file)
            if state is not None and state.pid == pid and (state.phase, state.done) != last:
                last = (state.phase, state.done)
                quiet_until = time.monotonic() + STALL_TIMEOUT
                shown.show(state)
            if time.monotonic() > quiet_until:
                break
            time.sleep(_POLL)
    finally:
        shown.close()
    if child:
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, STOP_TIMEOUT)
    raise CloudNotStarted(
        f"the local cloud (pid {pid}) showed no progress for {STALL_TIMEOUT:.0f} s"
        + (" and was stopped" if child else "")
        + f":\n{_log_tail(paths.log_file, log_offset or 0)}",
        hint=f"the full log is in {paths.log_file}",
    )


def _start_failure(paths: CloudPaths, pid: int, code: int, log_offset: int | None) -> SquallError:
    """The error a daemon that exited during its start left behind, else the tail of its log."""
    try:
        document = json.loads(paths.error_file.read_text())
    except (OSError, ValueError):
        document = None
    if isinstance(document, dict) and document.get("pid") == pid:
        kind = StateDamaged if document.get("exit_code") == StateDamaged.exit_code else CloudNotStarted
        if document.get("exit_code") == PortInUse.exit_code:
            kind = PortInUse
        return kind(str(document["message"]), hint=document.get("hint"))
    error = PortInUse if code == PortInUse.exit_code else CloudNotStarted
    return error(
        f"the local cloud did not start (exit code {code}):\n{_log_tail(paths.log_file, log_offset or 0)}",
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
    started = _started(paths, pid)
    return CloudInfo(
        endpoint=str(document["endpoint"]),
        port=int(document["port"]),
        pid=pid,
        data=paths.data,
        started_at=float(document["started_at"]),
        durability=str(started.get("durability", "default")),
        notes=tuple(str(n) for n in started.get("notes", ())),
    )


def _started(paths: CloudPaths, pid: int) -> dict[str, Any]:
    """The start report the daemon ``pid`` left in its private file (durability, recovery notes)."""
    try:
        document = json.loads(paths.started_file.read_text())
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) and document.get("pid") == pid else {}


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _forget(paths: CloudPaths) -> None:
    for path in (paths.pid_file, paths.port_file, paths.started_file):
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
