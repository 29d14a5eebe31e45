"""The dev session's terminal view: the stage and its outputs, then a line per invocation and per reload."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape

from squall.runtime import InvocationResult
from squall.runtime.apigw.event import caller


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
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)
        self._lock = threading.Lock()

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

    def invocation(self, function: str, event: Any, result: InvocationResult) -> None:
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
            for frame in result.payload.get("stackTrace") or []:
                self._print(f"    [dim]{escape(str(frame).rstrip())}[/dim]")

    def reloaded(self, functions: list[str], changed: str, millis: float) -> None:
        names = ", ".join(functions) if functions else "no function"
        self._print(f"[blue]↻[/blue] {escape(changed)} → reloaded {escape(names)} in {millis:.0f} ms")

    def problem(self, text: str) -> None:
        self._print(f"[bold red]✗[/bold red] {escape(text)}")

    def info(self, text: str) -> None:
        self._print(f"[dim]{escape(text)}[/dim]")
