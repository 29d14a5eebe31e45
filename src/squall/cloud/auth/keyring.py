"""Who a verified request comes from: the access keys the local cloud knows and their principals.

- the home's key pair (``keys.py``) is the account itself, ``arn:aws:iam::123456789012:root``: the
  developer, squall's commands, the console;
- role sessions, from STS ``AssumeRole`` (how the function host gives each function its role's
  credentials, and how any client may): ``arn:aws:sts::123456789012:assumed-role/ROLE/SESSION``, valid
  with their session token until they expire;
- access keys of IAM users created in the local cloud, while they are active:
  ``arn:aws:iam::123456789012:user/NAME``;
- ``anonymous``, for the few requests AWS serves unsigned (``unsigned.py``).

The home's key is known up front; the others are found in the local cloud's own state by a ``KeySource``
(``moto_keys.py``) the first time they are used and kept, so a request does not wait for the state lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, Protocol

from squall.cloud.auth.keys import ACCOUNT_ID, AccessKey

PrincipalKind = Literal["root", "assumed-role", "user", "anonymous"]


@dataclass(frozen=True)
class Principal:
    """The verified caller of a request (what IAM policies will be evaluated for)."""

    arn: str
    kind: PrincipalKind
    access_key_id: str
    account_id: str = ACCOUNT_ID

    @property
    def is_root(self) -> bool:
        return self.kind == "root"


@dataclass(frozen=True)
class Key:
    secret_access_key: str
    principal: Principal
    session_token: str | None = None
    expires: float | None = None
    """Seconds since the epoch after which a session's key is refused."""
    lasting: bool = True
    """False for keys that can be deactivated or deleted (an IAM user's): checked again after IAM changes."""


class KeySource(Protocol):
    def find(self, access_key_id: str) -> Key | None:
        """The key from the local cloud's state, or None."""
        ...

    def changed_since(self, version: int) -> bool:
        """Whether keys that are not ``lasting`` may have changed since ``version`` (see ``version``)."""
        ...

    def version(self) -> int: ...


def root_principal(access_key_id: str) -> Principal:
    return Principal(f"arn:aws:iam::{ACCOUNT_ID}:root", "root", access_key_id)


class KeyRing:
    """Access key id → ``Key``; the home's key first, the rest from ``source`` (cached)."""

    MAX_CACHED = 10_000

    def __init__(self, home: AccessKey, source: KeySource | None = None) -> None:
        self.home = home
        self._home_key = Key(home.secret_access_key, root_principal(home.access_key_id))
        self._source = source
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[Key, int]] = {}

    def get(self, access_key_id: str) -> Key | None:
        if access_key_id == self.home.access_key_id:
            return self._home_key
        source = self._source
        if source is None:
            return None
        cached = self._cache.get(access_key_id)
        if cached is not None:
            key, version = cached
            if key.lasting or not source.changed_since(version):
                return key
        version = source.version()
        found = source.find(access_key_id)
        with self._lock:
            if found is None:
                self._cache.pop(access_key_id, None)
            else:
                if len(self._cache) >= self.MAX_CACHED:
                    self._cache.clear()
                self._cache[access_key_id] = (found, version)
        return found


def static_source(keys: dict[str, Key]) -> KeySource:
    """A fixed set of keys (for tests and tools)."""

    class Static:
        def find(self, access_key_id: str) -> Key | None:
            return keys.get(access_key_id)

        def changed_since(self, version: int) -> bool:
            return False

        def version(self) -> int:
            return 0

    return Static()
