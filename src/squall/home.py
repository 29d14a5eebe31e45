"""Where squall keeps global data: ``$SQUALL_HOME``, default ``~/.squall``."""

from __future__ import annotations

import os
from pathlib import Path


def squall_home() -> Path:
    """The folder for the local cloud's data and anything global; tests point it at a temporary folder."""
    explicit = os.environ.get("SQUALL_HOME")
    return Path(explicit).expanduser() if explicit else Path.home() / ".squall"
