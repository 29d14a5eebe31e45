"""The key pair the local cloud issues for one ``SQUALL_HOME``: ``<home>/cloud/credentials.json``, 0600.

Whoever needs it first creates it — the daemon at start, or a client about to sign its first request — so
creation is atomic and exclusive: the new file is written under a private name and hard-linked into place
(``link`` fails when the file exists), and a loser of that race reads the winner's file. Both agree on one
key pair without a lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import string
from dataclasses import dataclass
from pathlib import Path

from squall.errors import CloudError

ACCOUNT_ID = "123456789012"
CREDENTIALS_FILE = "credentials.json"
_KEY_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


@dataclass(frozen=True)
class AccessKey:
    """An access key pair, with the session token when it is a role session's."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:  # never print the secret by accident
        return f"AccessKey({self.access_key_id!r})"


class CredentialsDamaged(CloudError):
    """The home's credentials file exists but cannot be read as one."""


def credentials_path(home: Path) -> Path:
    return home / "cloud" / CREDENTIALS_FILE


def credentials(home: Path | None = None) -> AccessKey:
    """The key pair that signs requests to the local cloud of ``home`` (default ``$SQUALL_HOME``).

    This is how every client of the local cloud gets its credentials: squall's commands, the console,
    ``squall cloud env``, tests. Created on first use.
    """
    from squall.home import squall_home

    return home_credentials(home if home is not None else squall_home())


def home_credentials(home: Path) -> AccessKey:
    """The key pair of the local cloud of ``home``, created on first use."""
    path = credentials_path(home)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    _create(path)
    return _read(path)


def new_access_key() -> AccessKey:
    """A fresh pair shaped like AWS's long-term keys (``AKIA`` + 16, and a 40-character secret)."""
    key_id = "AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
    return AccessKey(key_id, secret)


def _read(path: Path) -> AccessKey:
    try:
        document = json.loads(path.read_bytes())
        return AccessKey(str(document["aws_access_key_id"]), str(document["aws_secret_access_key"]))
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CredentialsDamaged(
            f"cannot read the local cloud's credentials: {exc}",
            where=str(path),
            hint="stop the local cloud (squall cloud stop) and delete the file to issue a new key pair",
        ) from exc


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = new_access_key()
    document = {"aws_access_key_id": key.access_key_id, "aws_secret_access_key": key.secret_access_key}
    private = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            json.dump(document, file)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: its pair is the home's
            os.link(private, path)
    finally:
        private.unlink(missing_ok=True)
