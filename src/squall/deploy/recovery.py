"""The ways out of a stuck or damaged stage: ``unlock`` (a lock left by a dead deploy, or a damaged lock
object) and the state's versions (``state_versions``, ``state_version``, ``restore_state``) to undo a bad
write or a damaged state object. None of them reads the state as a state, so all work when it is damaged.
"""

from __future__ import annotations

from collections.abc import Callable

from squall.config.loader import Project
from squall.deploy.clients import Clients
from squall.deploy.engine import Session
from squall.deploy.errors import DeployError
from squall.deploy.lock import Holder, LockObject, StageLock
from squall.deploy.state import State, StateVersion


def lock_of(project: Project, *, clients: Clients) -> tuple[StageLock, LockObject | None]:
    """The stage's lock and the lock object as it is now (None: not locked); reads nothing else."""
    session = Session(clients, project.graph)
    session.connect()
    lock = session.lock()
    if not session.store().exists():
        return lock, None
    return lock, lock.read()


def unlock(
    project: Project,
    *,
    clients: Clients,
    lock_id: str | None = None,
    confirm: Callable[[LockObject], bool] | None = None,
) -> LockObject | None:
    """Release the stage's deploy lock whoever holds it (the one with ``lock_id``, when given), after
    ``confirm`` (if given) agreed on the holder; the lock it removed, None when there was none or the
    confirmation was declined. Works on a lock object that cannot be read too."""
    lock, current = lock_of(project, clients=clients)
    if current is None:
        return None
    if confirm is not None and not confirm(current):
        return None
    return lock.force_release(lock_id, seen=current)


def state_versions(project: Project, *, clients: Clients) -> list[StateVersion]:
    """Every version of the stage's state, newest first."""
    session = Session(clients, project.graph)
    session.connect()
    store = session.store()
    return store.versions() if store.exists() else []


def state_version(project: Project, *, clients: Clients, version_id: str | None = None) -> bytes:
    """The stage's state as stored (``version_id``: an earlier version), unparsed: it may be damaged."""
    session = Session(clients, project.graph)
    session.connect()
    store = session.store()
    if version_id is not None:
        return store.read_version(version_id)
    found = store._get() if store.exists() else None
    if found is None:
        raise DeployError(
            f"{project.graph.app} stage {project.graph.stage} has no state",
            hint=f"`squall state list --stage {project.graph.stage}` lists its earlier versions",
        )
    return found[0]


def restore_state(
    project: Project, *, clients: Clients, version_id: str, command: str | None = None
) -> State:
    """Make an earlier version of the stage's state current again (holding the stage's lock)."""
    session = Session(clients, project.graph)
    session.connect()
    store = session.store()
    store.ensure_bucket()
    with session.lock().held(Holder.me(command)):
        return store.restore(version_id)
