"""One invocation's record: the JSON the local cloud writes to ``/squall/invocations``, the console reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from squall.runtime.apigw.event import caller
from squall.runtime.log_events import as_text

if TYPE_CHECKING:
    from squall.runtime import InvocationResult

MAX_RECORD_PART = 64 * 1024
"""A log event holds at most 256 KB: an event, response or logs longer than this many characters is cut."""
MAX_MESSAGE = 200 * 1024

INVOCATIONS_LOG_GROUP = "/squall/invocations"
"""One log stream per function name; one event per invocation whose message is the record's JSON."""


@dataclass(frozen=True)
class InvocationRecord:
    """What happened in one invocation: its request, its response or error, and its output."""

    requestId: str
    function: str
    """The function's physical name."""
    event: Any
    response: Any
    error: bool
    errorType: str | None
    durationMs: float
    cold: bool
    logs: str
    at: int
    """When it started, in epoch milliseconds."""
    refusal: str | None = None
    """Why the route's authorizer refused the request (then the function did not run)."""

    @classmethod
    def refused(
        cls, function: str, event: Any, request_id: str, status: int, reason: str, at: int
    ) -> InvocationRecord:
        """The record of a request an authorizer refused before ``function`` could run."""
        message = {401: "Unauthorized", 403: "Forbidden"}.get(status, "Internal Server Error")
        return cls(
            requestId=request_id,
            function=function,
            event=event,
            response={"statusCode": status, "body": json.dumps({"message": message})},
            error=False,
            errorType=None,
            durationMs=0.0,
            cold=False,
            logs=f"refused by the authorizer: {reason}\n",
            at=at,
            refusal=reason,
        )

    @classmethod
    def of(cls, function: str, event: Any, result: InvocationResult, at: int) -> InvocationRecord:
        """The record of one finished invocation of ``function`` (its physical name)."""
        payload = result.payload if isinstance(result.payload, dict) else {}
        return cls(
            requestId=result.request_id,
            function=function,
            event=event,
            response=result.payload,
            error=result.error_type is not None,
            errorType=str(payload.get("errorType"))
            if result.error_type and payload.get("errorType")
            else None,
            durationMs=round(result.duration_ms, 3),
            cold=result.cold,
            logs=as_text(result.logs)[-MAX_RECORD_PART:],  # a record's \r-joined lines as lines
            at=at,
        )

    def message(self) -> str:
        """The record as one log event's message: JSON, with a large event or response cut down to fit."""
        text = json.dumps(self.to_json(), default=str)
        if len(text) <= MAX_MESSAGE:
            return text
        bounded = {**self.to_json(), "event": _bounded(self.event), "response": _bounded(self.response)}
        return json.dumps(bounded, default=str)

    def to_json(self) -> dict[str, Any]:
        # Written out rather than dataclasses.asdict, which deep-copies the event and response: this runs
        # for every invocation in the local cloud.
        return {
            "requestId": self.requestId,
            "function": self.function,
            "event": self.event,
            "response": self.response,
            "error": self.error,
            "errorType": self.errorType,
            "durationMs": self.durationMs,
            "cold": self.cold,
            "logs": self.logs,
            "at": self.at,
            **({"refusal": self.refusal} if self.refusal is not None else {}),
        }

    def summary(self) -> dict[str, Any]:
        """The fields a list needs; the event, response and logs are fetched on demand."""
        return {
            "requestId": self.requestId,
            "function": self.function,
            "error": self.error,
            "errorType": self.errorType,
            "durationMs": self.durationMs,
            "cold": self.cold,
            "at": self.at,
            "title": request_title(self.event),
            "status": response_status(self.response, self.error),
            "caller": caller(self.event),
            "refusal": self.refusal,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InvocationRecord:
        return cls(
            requestId=str(data.get("requestId") or ""),
            function=str(data.get("function") or ""),
            event=data.get("event"),
            response=data.get("response"),
            error=bool(data.get("error")),
            errorType=data.get("errorType") or None,
            durationMs=float(data.get("durationMs") or 0.0),
            cold=bool(data.get("cold")),
            logs=str(data.get("logs") or ""),
            at=int(data.get("at") or 0),
            refusal=data.get("refusal") or None,
        )

    @classmethod
    def parse(cls, message: str) -> InvocationRecord | None:
        """The record in a log event's message, or None when the message is not one."""
        try:
            data = json.loads(message)
        except ValueError:
            return None
        if not isinstance(data, dict) or not data.get("requestId") or not data.get("function"):
            return None
        return cls.from_json(data)

    @cached_property
    def _text(self) -> str:
        parts = (
            self.requestId,
            self.function,
            self.errorType or "",
            self.logs,
            json.dumps(self.event, default=str),
            json.dumps(self.response, default=str),
        )
        return "\n".join(parts).lower()

    def matches(self, text: str) -> bool:
        """Whether ``text`` (case-insensitive) occurs in the request, the response, the logs or the names."""
        return text.lower() in self._text


def request_title(event: Any) -> str:
    """A one-line description of an event: ``GET /abc`` for HTTP, the source for the others."""
    if not isinstance(event, dict):
        return type(event).__name__ if event is not None else ""
    http = (
        (event.get("requestContext") or {}).get("http")
        if isinstance(event.get("requestContext"), dict)
        else None
    )
    if isinstance(http, dict) and http.get("method"):
        return f"{http.get('method')} {event.get('rawPath') or http.get('path') or ''}"
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        source = records[0].get("eventSource") or records[0].get("EventSource") or "records"
        return f"{source} x{len(records)}"
    if event.get("source") and event.get("detail-type"):
        return f"{event['source']} {event['detail-type']}"
    return "event"


def response_status(response: Any, error: bool) -> str:
    """``500`` for an error, an HTTP response's status code, else ``ok``."""
    if error:
        return "error"
    if isinstance(response, dict) and isinstance(response.get("statusCode"), int):
        return str(response["statusCode"])
    return "ok"


def _bounded(value: Any) -> Any:
    text = json.dumps(value, default=str)
    if len(text) <= MAX_RECORD_PART:
        return value
    return {"truncated": True, "size": len(text), "head": text[:MAX_RECORD_PART]}
