"""The local cloud's errors, each saying what to do next."""

from __future__ import annotations

from squall.errors import CloudError


class CloudNotStarted(CloudError):
    """The daemon could not start (port in use, unwritable folder, crash at start)."""


class CloudAlreadyRunning(CloudError):
    """A daemon already serves this ``SQUALL_HOME``."""

    exit_code = 3


class PortInUse(CloudNotStarted):
    exit_code = 4


class StateDamaged(CloudNotStarted):
    """The local cloud's saved state (a journal segment, a snapshot, a body file) is damaged; nothing was changed."""

    exit_code = 5
