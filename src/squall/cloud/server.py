"""The daemon process: recover the state, serve HTTP on 127.0.0.1, compact, shut down cleanly.

``serve`` runs in the foreground of the calling process (``squall cloud start --foreground``, or
the detached ``python -m squall.cloud serve`` that ``start`` spawns). It holds an exclusive
``flock`` on ``cloud.lock`` for its whole life, so two daemons never share a data folder, and it
writes ``cloud.pid`` and ``cloud.port`` only once it answers requests. It runs with a private umask: what
it writes under ``SQUALL_HOME`` is 0600 in 0700 folders.

While it starts and stops it reports progress in ``cloud.progress`` (``progress.py``); a start
that fails on damaged state leaves the error in ``cloud.error`` for the process that started it.

Threads: the HTTP server (``http.py``; one thread per connection, kept alive by boto3),
a compactor that snapshots (in a forked child) when the journal passes its bounds, a flusher that
``fsync``s the journal once a second, and one thread per plugin background service.

Durability (``resolve_durability``): ``default`` answers once a request's record reached the OS,
``strict`` once an ``fsync`` covers it. ``$SQUALL_CLOUD_FSYNC_LOG`` (tests only) names a file that
gets a line ``<segment> <length>`` after every journal ``fsync``, so a test can drop what a power
loss would.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import IO, Any

from squall.cloud import huge_pages, plugins, snapshot
from squall.cloud.errors import CloudAlreadyRunning, CloudNotStarted, PortInUse, StateDamaged
from squall.cloud.info import HOST, CloudPaths
from squall.cloud.progress import ProgressFile
from squall.cloud.store import Durability, RepairReport, Store
from squall.errors import SquallError
from squall.home import PRIVATE_UMASK, private_folder, tighten, tightened_note, write_private

log = logging.getLogger("squall.cloud")

_COMPACT_CHECK = 0.5
_FLUSH_EVERY = 1.0


def prepare(paths: CloudPaths) -> list[Path]:
    """Create the data folder (private) or say clearly why it cannot be written.

    A home made with looser modes is tightened; returns what was changed, for a note to the user.
    """
    try:
        home = paths.data.parent
        private_folder(paths.state)
        changed = tighten(home)
        probe = paths.data / ".write-test"
        write_private(probe, b"")
        probe.unlink()
        return changed
    except OSError as exc:
        raise CloudNotStarted(
            f"cannot write the local cloud's data folder {paths.data}: {exc.strerror or exc}",
            hint="point SQUALL_HOME at a writable folder",
        ) from exc


def _take_lock(paths: CloudPaths) -> IO[bytes]:
    handle = open(paths.lock_file, "ab")  # noqa: SIM115 - held for the daemon's lifetime
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        raise CloudAlreadyRunning(
            f"a local cloud already runs on the data folder {paths.data}",
            hint="`squall cloud status` shows it; `squall cloud stop` stops it",
        ) from exc
    return handle


def resolve_durability(explicit: str | None = None, paths: CloudPaths | None = None) -> Durability:
    """Explicit choice, then ``$SQUALL_CLOUD_DURABILITY``, then this home's last explicit choice, then default."""
    chosen = explicit or os.environ.get("SQUALL_CLOUD_DURABILITY")
    if not chosen and os.environ.get("SQUALL_CLOUD_FSYNC") == "always":
        chosen = "strict"
    if not chosen and paths is not None:
        try:
            chosen = paths.durability_file.read_text().strip()
        except OSError:
            chosen = None
    chosen = chosen or "default"
    if chosen not in ("default", "strict"):
        raise CloudNotStarted(
            f"unknown durability {chosen!r}",
            hint='use "default" (answer once a write reached the OS) or "strict" (once it is fsynced)',
        )
    return "strict" if chosen == "strict" else "default"


def serve(
    home: Path,
    port: int,
    durability: str | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run the local cloud until SIGTERM or SIGINT; ``on_ready`` gets the endpoint once it answers."""
    from squall.cloud.app import CloudApp
    from squall.cloud.auth.keys import home_credentials
    from squall.cloud.core import LocalCloud
    from squall.cloud.http import CloudServer, Limits

    huge_pages.forget(os.environ)  # read at this process's start; not for the processes it starts
    os.umask(PRIVATE_UMASK)  # all the daemon writes (snapshot, journal, code, logs) is the developer's alone
    paths = CloudPaths.under(home)
    changed = prepare(paths)
    if changed:
        log.warning(tightened_note(home, changed))
    lock = _take_lock(paths)
    started = time.monotonic()
    progress = ProgressFile(paths.progress_file)
    progress("starting", 0, 0)
    paths.error_file.unlink(missing_ok=True)
    try:
        try:
            home_key = home_credentials(home)  # before the first client can sign with it
            mode = resolve_durability(durability, paths)
            listener = _listen(port)
            registry = plugins.Registry()
            plugins.load(registry, plugins.plugin_names())
            compact_every = int(os.environ.get("SQUALL_CLOUD_COMPACT_EVERY", "2000"))
            try:
                key = snapshot.load_key(paths.key_file)
            except snapshot.SnapshotRefused as exc:
                raise StateDamaged(
                    str(exc), hint="`squall cloud reset` wipes the local cloud's data"
                ) from exc
            store = Store(
                paths.state, key=key, durability=mode, max_records=compact_every, on_synced=_fsync_log()
            )
            cloud = LocalCloud(paths.data, registry, store, home_key=home_key)
            recovering = time.monotonic()
            report = cloud.recover(progress)
            recovered_in = time.monotonic() - recovering
            # what recovery loaded lives as long as the daemon: the collector need not scan it again and again
            # (a full collection over a large state holds every request up for a second)
            gc.freeze()
        except SquallError as exc:
            _write_error(paths, exc)
            raise
        log.info(
            "recovered in %.2f s: snapshot %s, %d journaled requests replayed",
            recovered_in,
            report.snapshot or "absent",
            report.replayed,
        )

        identity: dict[str, Any] = {"started_at": time.time()}
        bound = int(listener.getsockname()[1])
        server = CloudServer(
            listener,
            CloudApp(cloud, identity, _gate(cloud, bound), _enforcer(cloud, home, registry)),
            store.bodies,
            Limits.from_env(),
        )
        cloud.endpoint = f"http://{HOST}:{bound}"
        identity.update(port=bound, endpoint=cloud.endpoint)

        _start_threads(cloud, registry, server)
        report_file = {"pid": os.getpid(), "durability": mode, "notes": report.warnings}
        write_private(paths.started_file, json.dumps(report_file))
        write_private(paths.pid_file, f"{os.getpid()}\n")
        write_private(paths.port_file, f"{bound}\n")
        progress.clear()
        _install_signals(server)
        log.info(
            "serving %s (durability %s; ready in %.2f s)", cloud.endpoint, mode, time.monotonic() - started
        )
        if on_ready is not None:
            on_ready(cloud.endpoint)
        try:
            server.serve_forever()
        finally:
            cloud.stopping.set()
            server.server_close()
            progress("compact", 0, 0)
            cloud.store.compact(cloud.lock, cloud.bridge.live, progress=progress)
            cloud.store.close()
            for path in (paths.pid_file, paths.port_file, paths.started_file):
                path.unlink(missing_ok=True)
            progress.clear()
            log.info("stopped")
    finally:
        lock.close()


def repair(home: Path) -> RepairReport:
    """Repair a stopped local cloud's damaged state in this process (see ``Store.repair``)."""
    from squall.cloud.core import LocalCloud

    paths = CloudPaths.under(home)
    lock = _take_lock(paths)
    try:
        try:
            key = snapshot.load_key(paths.key_file)
        except snapshot.SnapshotRefused as exc:
            raise StateDamaged(str(exc), hint="`squall cloud reset` wipes the local cloud's data") from exc
        registry = plugins.Registry()
        plugins.load(registry, plugins.plugin_names())
        store = Store(paths.state, key=key)
        cloud = LocalCloud(paths.data, registry, store)
        report = cloud.repair()
        paths.error_file.unlink(missing_ok=True)
        return report
    finally:
        lock.close()


def _write_error(paths: CloudPaths, exc: SquallError) -> None:
    document = {"message": exc.message, "hint": exc.hint, "exit_code": exc.exit_code, "pid": os.getpid()}
    write_private(paths.error_file, json.dumps(document))


def _fsync_log() -> Callable[[Path, int], None] | None:
    target = os.environ.get("SQUALL_CLOUD_FSYNC_LOG")
    if not target:
        return None
    lock = threading.Lock()

    def record(segment: Path, length: int) -> None:
        with lock, open(target, "a") as file:
            file.write(f"{segment.name} {length}\n")

    return record


def _gate(cloud: Any, port: int) -> Any:
    """The front door for ``cloud`` on ``port``: its keys, the buckets' CORS rules, allowed origins."""
    from squall.cloud.auth import cors
    from squall.cloud.auth.gate import Gate
    from squall.cloud.auth.keyring import KeyRing
    from squall.cloud.auth.moto_keys import MotoKeys
    from squall.cloud.auth.verify import Verifier

    keys = KeyRing(cloud.home_key, MotoKeys(cloud))
    origins = os.environ.get("SQUALL_CLOUD_ALLOWED_ORIGINS", "")
    allowed = frozenset(origin.strip().rstrip("/") for origin in origins.split(",") if origin.strip())
    return Gate(Verifier(keys), port, lambda bucket: cors.bucket_rules(cloud, bucket), allowed)


def _enforcer(cloud: Any, home: Path, registry: plugins.Registry) -> Any:
    """IAM for requests signed by role sessions; the reference data is read on a thread at start."""
    from squall.cloud.iam import reference
    from squall.cloud.iam.enforcer import Enforcer, MotoPolicies

    enforcer = Enforcer(
        lambda: reference.load(reference.cache_dir(home)), MotoPolicies(cloud), registry.denial_listeners
    )
    threading.Thread(target=enforcer.reference, name="iam-reference", daemon=True).start()
    return enforcer


def _listen(port: int) -> socket.socket:
    """Bind before the (possibly long) recovery, so a taken port is reported at once."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
        listener.listen(128)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(
                f"port {port} on {HOST} is already in use",
                hint="start the local cloud on another port with --port, or stop what uses it",
            ) from exc
        raise CloudNotStarted(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from exc
    return listener


def _start_threads(cloud: Any, registry: plugins.Registry, server: Any) -> None:
    def compactor() -> None:
        seen = 0
        while not cloud.stopping.is_set():
            seen = cloud.feed.wait(seen, _COMPACT_CHECK)
            if cloud.store.due() and not cloud.stopping.is_set():
                try:
                    cloud.store.compact(cloud.lock, cloud.bridge.live, in_child=server.close_in_child)
                except Exception:
                    log.exception("compaction failed; the journal keeps growing until the next try")

    every = float(os.environ.get("SQUALL_CLOUD_FLUSH_EVERY", _FLUSH_EVERY))

    def flusher() -> None:
        while not cloud.stopping.wait(every):
            cloud.store.flush()

    threading.Thread(target=compactor, name="squall-compactor", daemon=True).start()
    threading.Thread(target=flusher, name="squall-flusher", daemon=True).start()
    for service in registry.services:
        threading.Thread(
            target=service.run, args=(cloud,), name=f"squall-{service.name}", daemon=True
        ).start()


def _install_signals(server: Any) -> None:
    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)


def configure_logging() -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
