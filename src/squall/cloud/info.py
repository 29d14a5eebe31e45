"""What a running local cloud is (``CloudInfo``) and where its files live (``CloudPaths``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 4590
HOST = "127.0.0.1"


@dataclass(frozen=True)
class CloudInfo:
    endpoint: str
    port: int
    pid: int
    data: Path
    started_at: float
    durability: str = "default"
    notes: tuple[str, ...] = ()  # what recovery reported (a torn tail cut, a snapshot refused)

    @property
    def home(self) -> Path:
        """The ``SQUALL_HOME`` the cloud belongs to (its credentials are ``squall.cloud.credentials(home)``)."""
        return self.data.parent


@dataclass(frozen=True)
class CloudPaths:
    """The files of one local cloud, all under ``<home>/cloud``."""

    data: Path

    @classmethod
    def under(cls, home: Path) -> CloudPaths:
        return cls(home / "cloud")

    @property
    def state(self) -> Path:
        return self.data / "state"

    @property
    def pid_file(self) -> Path:
        return self.data / "cloud.pid"

    @property
    def port_file(self) -> Path:
        return self.data / "cloud.port"

    @property
    def lock_file(self) -> Path:
        return self.data / "cloud.lock"

    @property
    def log_file(self) -> Path:
        return self.data / "cloud.log"

    @property
    def progress_file(self) -> Path:
        return self.data / "cloud.progress"

    @property
    def started_file(self) -> Path:
        """What the running daemon tells its starter but not the network (JSON: pid, durability, notes; 0600)."""
        return self.data / "cloud.started"

    @property
    def error_file(self) -> Path:
        """Why the last start failed, for the process that started it (JSON: message, hint, exit code)."""
        return self.data / "cloud.error"

    @property
    def key_file(self) -> Path:
        """The key that authenticates this home's snapshots (0600)."""
        return self.data / "snapshot.key"

    @property
    def durability_file(self) -> Path:
        """The durability mode last chosen explicitly for this home."""
        return self.data / "durability"
