"""Where squall keeps global data: ``$SQUALL_HOME``, default ``~/.squall``; and keeping it private.

Everything under the home belongs to the developer alone (snapshots hold SecureString values in plaintext):
folders are 0700 and files 0600 whatever the umask. The daemon runs with ``PRIVATE_UMASK``, so all it
writes is private; the CLI creates what it writes there with explicit modes (``private_folder``,
``write_private``). ``tighten`` takes group and other bits off an existing home that was created looser.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def squall_home() -> Path:
    """The folder for the local cloud's data and anything global; tests point it at a temporary folder."""
    explicit = os.environ.get("SQUALL_HOME")
    return Path(explicit).expanduser() if explicit else Path.home() / ".squall"


def private_folder(path: Path) -> Path:
    """``path`` and any missing parents created 0700 (the parents that existed are left as they are)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode passes through the umask
    return path


def write_private(path: Path, data: str | bytes) -> None:
    """Write ``path`` atomically as a 0600 file, in a 0700 folder if the folder is new."""
    private_folder(path.parent)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, data.encode() if isinstance(data, str) else data)
    finally:
        os.close(fd)
    os.replace(staging, path)


def tighten(root: Path) -> list[Path]:
    """Take the group and other bits off ``root`` and everything under it; return what was changed.

    Symbolic links are neither followed nor changed.
    """
    changed: list[Path] = []

    def fix(path: Path) -> None:
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return
        if stat.S_ISLNK(mode) or not mode & 0o077:
            return
        os.chmod(path, stat.S_IMODE(mode) & 0o700)
        changed.append(path)

    if not root.is_dir():
        return changed
    fix(root)
    for folder, folders, files in os.walk(root):
        for name in (*folders, *files):
            fix(Path(folder) / name)
    return changed


def tightened_note(root: Path, changed: list[Path]) -> str:
    return (
        f"note: {root} was readable by other users of this machine; {len(changed)} "
        f"{'entry' if len(changed) == 1 else 'entries'} made private (folders 0700, files 0600)"
    )
