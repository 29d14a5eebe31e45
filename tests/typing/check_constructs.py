"""Static checks of the DSL a user writes: ``mypy --strict`` runs over this file in the test command.

Nothing here runs as a test; a wrong type is a mypy error, which fails the build. Lines marked
``type: ignore[...]`` must stay errors: with ``warn_unused_ignores`` (strict), mypy fails if they ever
type-check, so the DSL keeps rejecting those mistakes.
"""

from __future__ import annotations

from typing import assert_type

from squall import App, Resource, Stack
from squall.constructs import Api, Bucket, Cognito, Cron, Function, Queue, Secret, Table, Token, Topic


def stacks(app: App) -> None:
    assert_type(app.stack(main), Stack)
    assert_type(app.name, str)
    assert_type(app.stage, str)


def main(stack: Stack) -> None:
    table = Table(
        stack,
        "Notes",
        fields={"userId": "string", "noteId": "string", "createdAt": "number"},
        primary_index={"partition_key": "userId", "sort_key": "noteId"},
        global_indexes={"ByDate": {"partition_key": "userId", "sort_key": "createdAt"}},
        stream="new_and_old_images",
    )
    bucket = Bucket(
        stack, "Uploads", notifications={"Thumbs": {"function": "fn.handler", "events": ["object_created"]}}
    )
    dead = Queue(stack, "Dead")
    queue = Queue(stack, "Jobs", consumer={"function": "fn.handler", "batch_size": 5}, dlq={"queue": dead})
    topic = Topic(stack, "Events", subscribers={"Mailer": "fn.handler", "Audit": queue})
    secret = Secret(stack, "ApiKey")
    fn = Function(stack, "Worker", handler="fn.handler", runtime="python3.12", timeout=30, memory_size=512)
    fn.bind([table, bucket], access="read")
    api = Api(
        stack,
        "Api",
        routes={
            "GET /notes": "fn.handler",
            "POST /notes": fn,
            "ANY /{proxy+}": {"function": {"handler": "fn.handler"}},
        },
        cors={"allow_origins": ["https://example.com"]},
        defaults={"function": {"timeout": 20}},
    )
    api.bind([table, queue, topic, secret])
    api.add_routes({"DELETE /notes/{id}": "fn.handler"})
    cron = Cron(stack, "Nightly", schedule="rate(1 day)", job="fn.handler")
    cron.bind([table])
    assert_type(api.url, Token)
    stack.add_outputs({"ApiEndpoint": api.url, "Plain": "text"})

    auth = Cognito(stack, "Auth", login=["email"], triggers={"pre_sign_up": "fn.handler"})
    secured = Api(
        stack,
        "Secured",
        authorizers={
            "main": {"type": "user_pool", "user_pool": auth},
            "partner": {"type": "jwt", "issuer": "https://id.example.com", "audience": ["client"]},
            "custom": {"type": "lambda", "function": "fn.handler", "response_types": ["simple"], "ttl": 300},
        },
        defaults={"authorizer": "main"},
        routes={
            "GET /me": "fn.handler",
            "GET /health": {"function": "fn.handler", "authorizer": "none"},
            "GET /orders": {"function": "fn.handler", "authorizer": "partner", "authorization_scopes": ["r"]},
        },
    )
    secured.bind([auth])
    Cognito(stack, "BadLogin", login=["fax"])  # type: ignore[list-item]
    Cognito(stack, "BadTrigger", triggers={"pre_signup": "fn.handler"})  # type: ignore[arg-type]
    Api(stack, "BadAuth", authorizers={"x": {"type": "saml"}})  # type: ignore[misc,dict-item]

    Function(stack, "Bad", handler="fn.handler", runtime="python2.7")  # type: ignore[arg-type]
    Table(stack, "BadTable", fields={"id": "text"}, primary_index={"partition_key": "id"})  # type: ignore[dict-item]
    Table(stack, "BadIndex", fields={"id": "string"}, primary_index={"partition_key_typo": "id"})  # type: ignore[typeddict-unknown-key]
    fn.bind([table], access="admin")  # type: ignore[arg-type]
    Function(stack, "NoHandler")  # type: ignore[call-arg]


def handler_side() -> None:
    # Until `squall types` generates the app's stubs, Resource knows only App: any other name is an error.
    assert_type(Resource.App.name, str)
    name = Resource.Urls.table_name  # type: ignore[attr-defined]
    assert name is not None
