"""Python tracebacks as frames: which are the user's and which a library's, folded for reading, keyed for grouping.

A traceback reaches us in two shapes: Lambda's ``stackTrace`` (a list of ``traceback.format_list`` entries,
``'  File "x.py", line 3, in handler\\n    code\\n'``) or the text a handler printed (``Traceback (most recent
call last):`` and its ``File`` lines, possibly with ``\\r`` between lines as the runtime writes a record).
``parse_frames`` reads both. A frame is a library frame when its file lives in an installed package
(site-packages, dist-packages), in boto3 and friends, in squall's own runtime or in the standard library;
``fold`` turns each run of them into one ``Folded`` entry so the user's code stands out, and
``innermost_user_frame`` is the frame errors are grouped by: library frames below it do not split a group.
"""

from __future__ import annotations

import re
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_FILE_LINE = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<name>.+))?\s*$')
_LIBRARY_PARTS = (
    "/site-packages/",
    "/dist-packages/",
    "/boto3/",
    "/botocore/",
    "/urllib3/",
    "/s3transfer/",
    "/squall/runtime/",
    "/var/runtime/",
    "/var/lang/lib/",
)
_STDLIB_PATTERN = re.compile(r"/lib/python3\.\d+/(?!site-packages/|dist-packages/)")


def _stdlib_roots() -> tuple[str, ...]:
    roots = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"], sys.base_prefix + "/lib"}
    return tuple(sorted(root.rstrip("/") + "/" for root in roots if root))


_STDLIB_ROOTS = _stdlib_roots()


def is_library(filename: str) -> bool:
    """Whether ``filename`` belongs to a library (installed package, AWS SDK, squall's runtime, stdlib)."""
    path = filename.replace("\\", "/")
    if path.startswith("<") and path.endswith(">"):  # <frozen importlib._bootstrap>, <string>
        return path.startswith("<frozen")
    if any(part in path for part in _LIBRARY_PARTS):
        return True
    if _STDLIB_PATTERN.search(path):
        return True
    return any(path.startswith(root) for root in _STDLIB_ROOTS)


@dataclass(frozen=True)
class Frame:
    file: str
    line: int
    name: str
    code: str
    library: bool

    @property
    def where(self) -> str:
        """``functions/shorten.py:12 in handler``."""
        return f"{self.file}:{self.line} in {self.name}"

    def lines(self) -> list[str]:
        """The frame as ``traceback`` prints it."""
        head = f'  File "{self.file}", line {self.line}, in {self.name}'
        return [head, f"    {self.code}"] if self.code else [head]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "name": self.name,
            "code": self.code,
            "library": self.library,
        }


@dataclass(frozen=True)
class Folded:
    """A run of consecutive library frames, shown as one line."""

    frames: tuple[Frame, ...]

    def line(self) -> str:
        count = len(self.frames)
        return f"  … {count} library frame{'s' if count != 1 else ''}"


def _split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_frames(trace: str | Sequence[Any] | None) -> list[Frame]:
    """The frames of a traceback, outermost first: from its text or from Lambda's ``stackTrace`` list."""
    if trace is None:
        return []
    text = trace if isinstance(trace, str) else "\n".join(str(entry) for entry in trace)
    frames: list[Frame] = []
    lines = _split_lines(text)
    index = 0
    while index < len(lines):
        match = _FILE_LINE.match(lines[index])
        index += 1
        if match is None:
            continue
        code = ""
        if index < len(lines):
            following = lines[index]
            if following.strip() and _FILE_LINE.match(following) is None and following[:1].isspace():
                code = following.strip()
                index += 1
                # Python 3.11+ carets under the code line are not code.
                while index < len(lines) and set(lines[index].strip()) <= set("^~") and lines[index].strip():
                    index += 1
        file = match.group("file")
        frames.append(
            Frame(file, int(match.group("line")), (match.group("name") or "").strip(), code, is_library(file))
        )
    return frames


def fold(frames: Iterable[Frame]) -> list[Frame | Folded]:
    """The frames with each run of consecutive library frames replaced by one ``Folded``."""
    out: list[Frame | Folded] = []
    run: list[Frame] = []
    for frame in frames:
        if frame.library:
            run.append(frame)
            continue
        if run:
            out.append(Folded(tuple(run)))
            run = []
        out.append(frame)
    if run:
        out.append(Folded(tuple(run)))
    return out


def render(frames: Iterable[Frame], header: str = "Traceback (most recent call last):") -> list[str]:
    """The traceback's lines with library frames folded (``  … 3 library frames``)."""
    lines = [header] if header else []
    for entry in fold(frames):
        lines.extend([entry.line()] if isinstance(entry, Folded) else entry.lines())
    return lines


_CODE_HASH_DIR = re.compile(r"^.*/[0-9a-f]{16,64}/")


def code_path(file: str, roots: Sequence[str] = ()) -> str:
    """``functions/shorten.py`` for the same file wherever the code ran: under one of ``roots`` (the project,
    in dev), in Lambda's ``/var/task/``, or in the local cloud's folder of one code version (a hash)."""
    path = file.replace("\\", "/")
    for root in roots:
        prefix = root.rstrip("/") + "/"
        if path.startswith(prefix):
            return path[len(prefix) :]
    if path.startswith("/var/task/"):
        return path[len("/var/task/") :]
    return _CODE_HASH_DIR.sub("", path, count=1)


def innermost_user_frame(frames: Sequence[Frame]) -> Frame | None:
    """The deepest frame in the user's own code (None when every frame is a library's)."""
    for frame in reversed(frames):
        if not frame.library:
            return frame
    return None


def folded_json(frames: Iterable[Frame], roots: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The folded traceback for the console: frames, and ``{"folded": [frames]}`` for each library run.

    With ``roots``, the user's frames name their files as ``code_path`` does (``functions/a.py``)."""

    def shown(frame: Frame) -> dict[str, Any]:
        document = frame.to_json()
        if roots is not None and not frame.library:
            document["file"] = code_path(frame.file, roots)
        return document

    return [
        {"folded": [shown(f) for f in entry.frames]} if isinstance(entry, Folded) else shown(entry)
        for entry in fold(frames)
    ]
