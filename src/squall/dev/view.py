"""The dev session's terminal view: the stage and its outputs, then a line per invocation and per reload."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape

from squall.dev.output import Overlaps, handler_lines
from squall.logs.tracebacks import parse_frames, render
from squall.runtime import InvocationResult
from squall.runtime.apigw.event import caller

MAX_TRACE_LINES = 40


def trigger_of(event: Any) -> str:
    """What reached the function: a route, a queue, a schedule... from the event's shape."""
    if isinstance(event, Mapping):
        if "routeKey" in event and "requestContext" in event:
            http = event["requestContext"].get("http", {})
            return f"{http.get('method', '')} {event.get('rawPath', '')}".strip()
        if event.get("source") == "aws.events" or event.get("detail-type") == "Scheduled Event":
            return "schedule"
        records = event.get("Records")
        if isinstance(records, list) and records and isinstance(records[0], Mapping):
            source = records[0].get("eventSource") or records[0].get("EventSource") or "event"
            return f"{str(source).removeprefix('aws:')} (batch of {len(records)})"
    return "invoke"


def status_of(result: InvocationResult) -> tuple[str, str]:
    """(text, style) of an invocation's outcome."""
    if result.error_type:
        payload = result.payload if isinstance(result.payload, Mapping) else {}
        return str(payload.get("errorType") or "error"), "bold red"
    if isinstance(result.payload, Mapping) and "statusCode" in result.payload:
        code = result.payload["statusCode"]
        style = "green" if isinstance(code, int) and code < 400 else "yellow"
        return str(code), style
    return "ok", "green"


class TerminalView:
    def __init__(self, console: Console | None = None, *, show_logs: bool = True) -> None:
        self.console = console or Console(highlight=False)
        self.show_logs = show_logs
        """Whether each invocation's output lines are shown under its line (``squall dev --no-logs``)."""
        self._lock = threading.RLock()
        self._overlaps = Overlaps()

    def _print(self, text: str) -> None:
        with self._lock:
            self.console.print(text, soft_wrap=True)

    def header(
        self, app: str, stage: str, target: str, outputs: Mapping[str, str], console_url: str | None
    ) -> None:
        self._print(f"[bold]squall dev[/bold]  {escape(app)} / [cyan]{escape(stage)}[/cyan]  ({target})")
        for key, value in sorted(outputs.items()):
            self._print(f"  {escape(key)}: [bold]{escape(str(value))}[/bold]")
        if console_url:
            self._print(f"  Console: {escape(console_url)}")
        self._print("[dim]Ready. Watching for changes (Ctrl-C to stop).[/dim]")

    def begin(self, function: str) -> None:
        """An invocation of ``function`` started (its lines are prefixed while another function runs)."""
        self._overlaps.begin(function)

    def end(self, function: str) -> None:
        self._overlaps.end(function)

    def invocation(self, function: str, event: Any, result: InvocationResult) -> None:
        overlapped = self._overlaps.finished(function, result.duration_ms)
        with self._lock:  # one invocation's lines stay together
            self._invocation(function, event, result)
            if self.show_logs:
                prefix = f"{escape(function)} │ " if overlapped else ""
                for line in handler_lines(result):
                    self._print(f"    [dim]{prefix}{escape(line)}[/dim]")

    def _invocation(self, function: str, event: Any, result: InvocationResult) -> None:
        text, style = status_of(result)
        clock = time.strftime("%H:%M:%S")
        temperature = "cold" if result.cold else "warm"
        who = caller(event)
        by = f"  [dim]by[/dim] {escape(who)}" if who else ""
        self._print(
            f"[dim]{clock}[/dim]  {escape(function)}  {escape(trigger_of(event))}  "
            f"[{style}]{escape(text)}[/{style}]  {result.duration_ms:.1f} ms  [dim]{temperature}[/dim]{by}"
        )
        if result.error_type and isinstance(result.payload, Mapping):
            message = result.payload.get("errorMessage", "")
            self._print(f"    [red]{escape(str(message))}[/red]")
            trace = result.payload.get("stackTrace") or []
            frames = parse_frames(trace)
            lines = render(frames, header="") if frames else [str(entry).rstrip() for entry in trace]
            for line in lines[-MAX_TRACE_LINES:]:
                self._print(f"    [dim]{escape(line)}[/dim]")

    def new_issue(self, error_type: str, where: str, function: str) -> None:
        """One line when an error not seen before in this session shows up (a new issue in the console)."""
        self._print(
            f"[bold magenta]● new issue[/bold magenta]  {escape(error_type)} at {escape(where)}  ({escape(function)})"
        )

    def reloaded(self, functions: list[str], changed: str, millis: float) -> None:
        names = ", ".join(functions) if functions else "no function"
        self._print(f"[blue]↻[/blue] {escape(changed)} → reloaded {escape(names)} in {millis:.0f} ms")

    def problem(self, text: str) -> None:
        self._print(f"[bold red]✗[/bold red] {escape(text)}")

    def info(self, text: str) -> None:
        self._print(f"[dim]{escape(text)}[/dim]")
