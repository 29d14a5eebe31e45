"""The environment a function bound to every resource of the stage would have: for ``squall shell``.

Scripts, migrations and tests run with it use ``from squall import Resource`` (and plain boto3) exactly as a
handler does. Values known only after a deploy (queue URLs, an API's URL, ARNs with the account id) come from
the stage's deploy state; on the local cloud, ``AWS_ENDPOINT_URL`` and credentials point boto3 at it.
"""

from __future__ import annotations

import json

from squall.config import Project
from squall.constructs.binding import ENV_PREFIX, Bindable
from squall.deploy.clients import Clients
from squall.deploy.engine import Session, deployed_state, state_resolver
from squall.deploy.intrinsics import contains_unknown
from squall.graph.synth import SynthContext


def bound_environment(project: Project, clients: Clients) -> dict[str, str]:
    graph = project.graph
    session = Session(clients, graph)
    session.connect()
    resolver = state_resolver(deployed_state(session), session.account_id, graph.region)
    ctx = SynthContext(project.app)
    env: dict[str, str] = {
        "SQUALL_APP": graph.app,
        "SQUALL_STAGE": graph.stage,
        "AWS_REGION": graph.region,
        "AWS_DEFAULT_REGION": graph.region,
    }
    if clients.endpoint and clients.credentials is not None:
        env["AWS_ENDPOINT_URL"] = clients.endpoint
        env["AWS_ACCESS_KEY_ID"] = clients.credentials.access_key_id
        env["AWS_SECRET_ACCESS_KEY"] = clients.credentials.secret_access_key
        if clients.credentials.session_token:
            env["AWS_SESSION_TOKEN"] = clients.credentials.session_token
    for construct in project.app.constructs:
        if not isinstance(construct, Bindable):
            continue
        metadata = resolver.resolve({"type": construct.kind, **construct.bind_metadata(ctx)})
        if contains_unknown(metadata):
            continue  # not deployed yet (e.g. added to the config since the last deploy)
        env[f"{ENV_PREFIX}{construct.id}"] = json.dumps(metadata, separators=(",", ":"), sort_keys=True)
    return env
