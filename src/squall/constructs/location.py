"""Where in the user's code something was declared: the line of ``squall.config.py`` behind each construct."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class SourceLocation:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def user_frame() -> FrameType | None:
    """The innermost frame outside the squall package: the user's code making the current call."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith("<frozen"):
            return frame
        frame = frame.f_back
    return None


def caller_location() -> SourceLocation:
    """The user's line that made the current call."""
    frame = user_frame()
    if frame is None:
        return SourceLocation("<unknown>", 0)
    return SourceLocation(frame.f_code.co_filename, frame.f_lineno)
