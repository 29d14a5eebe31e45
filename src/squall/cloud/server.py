"""The daemon process: recover the state, serve HTTP on 127.0.0.1, compact, shut down cleanly.

``serve`` runs in the foreground of the calling process (``squall cloud start --foreground``, or
the detached ``python -m squall.cloud serve`` that ``start`` spawns). It holds an exclusive
``flock`` on ``cloud.lock`` for its whole life, so two daemons never share a data folder, and it
writes ``cloud.pid`` and ``cloud.port`` only once it answers requests.

Threads: the HTTP server (``http.py``; one thread per connection, kept alive by boto3),
a compactor that snapshots when the journal passes its bounds, a flusher that ``fsync``s the
journal once a second, and one thread per plugin background service.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import IO, Any

from squall.cloud import plugins
from squall.cloud.errors import CloudAlreadyRunning, CloudNotStarted, PortInUse
from squall.cloud.info import HOST, CloudPaths
from squall.cloud.store import Store

log = logging.getLogger("squall.cloud")

_COMPACT_CHECK = 0.5
_FLUSH_EVERY = 1.0


def prepare(paths: CloudPaths) -> None:
    """Create the data folder or say clearly why it cannot be written."""
    try:
        paths.state.mkdir(parents=True, exist_ok=True)
        probe = paths.data / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
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


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def serve(home: Path, port: int) -> None:
    """Run the local cloud until SIGTERM or SIGINT."""
    from squall.cloud.app import CloudApp
    from squall.cloud.auth.keys import home_credentials
    from squall.cloud.core import LocalCloud
    from squall.cloud.http import CloudServer

    paths = CloudPaths.under(home)
    prepare(paths)
    lock = _take_lock(paths)
    started = time.monotonic()
    try:
        home_key = home_credentials(home)  # before the first client can sign with it
        listener = _listen(port)
        registry = plugins.Registry()
        plugins.load(registry, plugins.plugin_names())
        fsync_each = os.environ.get("SQUALL_CLOUD_FSYNC", "") == "always"
        compact_every = int(os.environ.get("SQUALL_CLOUD_COMPACT_EVERY", "2000"))
        store = Store(paths.state, fsync_each=fsync_each, max_records=compact_every)
        cloud = LocalCloud(paths.data, registry, store, home_key=home_key)
        report = cloud.recover()
        log.info(
            "recovered: snapshot %s, %d journaled requests replayed",
            "loaded" if report.snapshot else "absent",
            report.replayed,
        )

        identity: dict[str, Any] = {"started_at": time.time()}
        bound = int(listener.getsockname()[1])
        server = CloudServer(listener, CloudApp(cloud, identity, _gate(cloud, bound)))
        cloud.endpoint = f"http://{HOST}:{bound}"
        identity.update(port=bound, endpoint=cloud.endpoint)

        _start_threads(cloud, registry)
        _write_atomically(paths.pid_file, f"{os.getpid()}\n")
        _write_atomically(paths.port_file, f"{bound}\n")
        _install_signals(server)
        log.info("serving %s (ready in %.2f s)", cloud.endpoint, time.monotonic() - started)
        try:
            server.serve_forever()
        finally:
            cloud.stopping.set()
            server.server_close()
            cloud.store.compact(cloud.lock, cloud.bridge.live)
            cloud.store.close()
            for path in (paths.pid_file, paths.port_file):
                path.unlink(missing_ok=True)
            log.info("stopped")
    finally:
        lock.close()


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


def _start_threads(cloud: Any, registry: plugins.Registry) -> None:
    def compactor() -> None:
        seen = 0
        while not cloud.stopping.is_set():
            seen = cloud.feed.wait(seen, _COMPACT_CHECK)
            if cloud.store.due():
                try:
                    cloud.store.compact(cloud.lock, cloud.bridge.live)
                except Exception:
                    log.exception("compaction failed; the journal keeps growing until the next try")

    def flusher() -> None:
        while not cloud.stopping.wait(_FLUSH_EVERY):
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
