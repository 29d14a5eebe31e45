"""The dev console's address, kept across restarts of ``squall dev`` for the same project and stage.

An open browser tab keeps working after ``squall dev`` restarts: the port and the token are kept in
``.squall/console/STAGE.address.json`` (0600, in a 0700 folder: the token opens the console). When the port
is taken by then, another is chosen (and kept); the token stays.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from squall.config.loader import Project
from squall.console.auth import new_token
from squall.console.errors import ConsoleError
from squall.console.server import ConsoleServer, serve


def address_file(project: Project) -> Path:
    return project.root / ".squall" / "console" / f"{project.graph.stage}.address.json"


def _read(path: Path) -> tuple[int, str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0, None
    if not isinstance(data, dict):
        return 0, None
    port = data.get("port")
    token = data.get("token")
    return (port if isinstance(port, int) and 0 < port < 65536 else 0), (
        token if isinstance(token, str) and len(token) >= 32 else None
    )


def serve_remembered(project: Project, **options: Any) -> ConsoleServer:
    """``serve`` on the port and with the token this project's dev console had last time."""
    from squall.home import write_private

    path = address_file(project)
    port, token = _read(path)
    token = token or new_token()
    try:
        server = serve(project, port=port, token=token, **options)
    except ConsoleError:
        if not port:
            raise
        server = serve(project, port=0, token=token, **options)  # the old port is taken now
    write_private(path, json.dumps({"port": server.port, "token": token}))
    return server
