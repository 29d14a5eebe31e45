"""How a starting or stopping daemon tells other processes it is making progress.

The daemon writes ``<data>/cloud.progress`` (``ProgressFile``): its pid, the phase (checking and
loading the snapshot, checking and replaying the journal, saving the final snapshot) and how far it
got, at most a few times a second. ``daemon.start``, ``ensure_running`` and ``stop`` read it
(``read``): they wait as long as it keeps changing, and show it (``View``): a progress bar on a
terminal once a recovery has taken more than a moment, plain lines on stderr otherwise.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

PHASES = {
    "starting": "starting",
    "verify": "checking the snapshot",
    "load": "loading the snapshot",
    "scan": "checking the journal",
    "replay": "replaying the journal",
    "compact": "saving a snapshot",
}
_EVERY = 0.2


@dataclass(frozen=True)
class Snapshot:
    pid: int
    phase: str
    done: int
    total: int

    @property
    def label(self) -> str:
        return PHASES.get(self.phase, self.phase)


class ProgressFile:
    """The daemon's side: rate-limited, atomic updates of the progress file."""

    def __init__(self, path: Path, pid: int | None = None) -> None:
        self.path = path
        self.pid = pid or os.getpid()
        self._last = 0.0
        self._phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == self._phase and now - self._last < _EVERY:
            return
        self._phase, self._last = phase, now
        document = {"pid": self.pid, "phase": phase, "done": done, "total": total, "at": time.time()}
        tmp = self.path.with_name(f"{self.path.name}.{self.pid}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, json.dumps(document).encode())
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except OSError:
            pass

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def read(path: Path) -> Snapshot | None:
    try:
        document: Any = json.loads(path.read_text())
        return Snapshot(
            int(document["pid"]), str(document["phase"]), int(document["done"]), int(document["total"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


class View:
    """What a waiting command shows on stderr: nothing for a quick start, then progress."""

    def __init__(self, title: str, stream: IO[str] | None = None, after: float = 1.0) -> None:
        self.title = title
        self.stream = stream if stream is not None else sys.stderr
        self.after = after
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        self._last_line = 0.0
        self._last_phase = ""
        self._shown = False

    def show(self, state: Snapshot) -> None:
        if time.monotonic() - self.started < self.after:
            return
        self._shown = True
        if self.stream.isatty():
            self._show_bar(state)
        else:
            self._show_line(state)

    def _show_bar(self, state: Snapshot) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        if self._bar is None:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.title, total=None)
        total = state.total or None
        self._bar.update(
            self._task, description=f"{self.title}: {state.label}", completed=state.done, total=total
        )

    def _show_line(self, state: Snapshot) -> None:
        now = time.monotonic()
        if state.phase == self._last_phase and now - self._last_line < 2.0:
            return
        self._last_phase, self._last_line = state.phase, now
        share = f" {100 * state.done // state.total}%" if state.total else ""
        elapsed = now - self.started
        print(f"{self.title}: {state.label}{share} ({elapsed:.0f} s)", file=self.stream, flush=True)

    def close(self, outcome: str | None = None) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        if self._shown and outcome:
            print(
                f"{self.title}: {outcome} after {time.monotonic() - self.started:.1f} s",
                file=self.stream,
                flush=True,
            )
