"""Errors the deployer shows a user: each names the resource, what happened and what to do next.

botocore's ``ClientError`` never reaches the CLI: ``cloud_error`` translates it at the boundary, keeping
the original as ``__cause__`` for ``--verbose``.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from squall.errors import CloudError, SquallError


class DeployError(SquallError):
    """A deploy, diff or remove could not go on."""


class ResourceError(CloudError):
    """The target refused or failed a call for one resource."""

    def __init__(
        self, message: str, *, logical_id: str, physical: str | None, hint: str | None = None
    ) -> None:
        self.logical_id = logical_id
        self.physical = physical
        where = f"{logical_id} ({physical})" if physical else logical_id
        super().__init__(message, where=where, hint=hint)


class StopDeploy(DeployError):
    """Stops the whole run, not only the step it happened in: every further change would be wrong too."""


class LockHeld(DeployError):
    """Another deploy or remove of the same app and stage is running (or died holding the lock)."""

    exit_code = 2


class LockDamaged(DeployError):
    """The stage's lock object cannot be read."""

    exit_code = 2


class LockLost(StopDeploy):
    """This run's lock was taken over (``squall unlock``) or removed while it ran."""

    exit_code = 2


class StateConflict(StopDeploy):
    """The stage's state changed since this run read it: another run wrote it."""


class StateDamaged(DeployError):
    """The stage's state object cannot be read as a state of this app and stage."""


class NotOwned(DeployError):
    """Resources with this stage's names exist but are not this stage's (other tags, or none)."""


class ReplaceRefused(DeployError):
    """A change would replace a resource that holds data (a table, a bucket)."""


class MissingSecret(DeployError):
    """A declared secret has no value in SSM for the stage nor a fallback."""


class TargetUnreachable(StopDeploy):
    """The endpoint does not answer, or the credentials do not work."""


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def error_message(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


HINTS = {
    "AccessDenied": "check that your credentials may manage this service",
    "AccessDeniedException": "check that your credentials may manage this service",
    "LimitExceededException": "an account limit was reached; remove unused resources or ask AWS for more",
    "ExpiredToken": "your credentials expired; log in again",
    "ExpiredTokenException": "your credentials expired; log in again",
}


def cloud_error(exc: BaseException, *, logical_id: str, physical: str | None, action: str) -> SquallError:
    """``exc`` (from botocore) as a ``ResourceError``, or ``exc`` itself when it already is a SquallError."""
    if isinstance(exc, SquallError):
        return exc
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = f"{action} failed: {code}: {error_message(exc)}"
        hint = HINTS.get(code, "fix the cause and run the deploy again; it continues where it stopped")
        return ResourceError(message, logical_id=logical_id, physical=physical, hint=hint)
    if isinstance(exc, BotoCoreError):
        return ResourceError(
            f"{action} failed: {exc}",
            logical_id=logical_id,
            physical=physical,
            hint="check the network and the endpoint, then run the deploy again",
        )
    return ResourceError(
        f"{action} failed: {type(exc).__name__}: {exc}", logical_id=logical_id, physical=physical
    )
