"""The console: a web UI over a stage's functions, invocations, logs and resources.

It reads the target through AWS APIs (CloudWatch Logs, describe/list calls), so it works for any deployed
stage, and takes live invocations from ``squall dev`` through a ``LiveFeed``. Map: ``server`` (uvicorn in a
thread) → ``app`` (routes, behind ``auth``'s token) → ``service`` (the stage) → ``sources`` (log polling),
``store`` (invocations), ``issues`` (failures grouped, resolved or ignored; ``error_logs`` finds them in an
AWS stage's logs), ``log_search`` (filter patterns over every function's logs), ``deployed`` (the stage's
state and deploy history), ``explore`` (tables, buckets, queues, secrets), ``samples``, ``triggers``,
``stats``; ``address`` keeps the dev console's port and token. The pages are plain files in ``static/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from squall.console.feed import LiveFeed
from squall.runtime.records import INVOCATIONS_LOG_GROUP, InvocationRecord

if TYPE_CHECKING:
    from squall.console.server import ConsoleServer, serve

__all__ = ["INVOCATIONS_LOG_GROUP", "ConsoleServer", "InvocationRecord", "LiveFeed", "serve"]


def __getattr__(name: str) -> Any:
    # The server (starlette, uvicorn) loads only when asked for: the local cloud imports the records alone.
    if name in ("ConsoleServer", "serve"):
        from squall.console import server

        return getattr(server, name)
    raise AttributeError(f"module 'squall.console' has no attribute {name!r}")
