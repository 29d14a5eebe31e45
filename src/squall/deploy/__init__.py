"""The deploy engine: graph → build → plan → execute → state, by direct AWS API calls.

One code path serves AWS and the local cloud; they differ only by the clients' endpoint. Map:
``packaging`` (build), ``plan`` (what would change, as data), ``execute`` (apply it in parallel),
``providers/`` (one module per resource type), ``intrinsics`` (Ref/GetAtt/Sub/Join/ToJsonString),
``state`` and ``lock`` (in the target's S3), ``ownership`` and ``removal`` (what is the stage's), ``retry``
(AWS's eventual consistency), ``engine`` (the API) and ``recovery`` (unlock, the state's versions).
"""

from __future__ import annotations

from squall.deploy.clients import Clients, Target, boto3_clients, clients_for
from squall.deploy.engine import DeployResult, deploy, diff, outputs, remove
from squall.deploy.errors import DeployError, LockHeld, MissingSecret, ReplaceRefused, ResourceError
from squall.deploy.execute import DeployFailed
from squall.deploy.recovery import unlock
from squall.deploy.steps import Plan, Step
from squall.deploy.ui import NullReporter, Reporter

__all__ = [
    "Clients",
    "DeployError",
    "DeployFailed",
    "DeployResult",
    "LockHeld",
    "MissingSecret",
    "NullReporter",
    "Plan",
    "ReplaceRefused",
    "Reporter",
    "ResourceError",
    "Step",
    "Target",
    "boto3_clients",
    "clients_for",
    "deploy",
    "diff",
    "outputs",
    "remove",
    "unlock",
]
