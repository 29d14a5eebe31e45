"""An API behind a Cognito user pool: signed-in users reach /me, everyone reaches /health."""

from squall import App, Stack
from squall.constructs import Api, Cognito


def config(input: dict[str, str]) -> dict[str, str]:
    return {"name": "my-auth-app", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(main)


def main(stack: Stack) -> None:
    auth = Cognito(stack, "Auth", login=["email"])
    api = Api(
        stack,
        "Api",
        authorizers={"users": {"type": "user_pool", "user_pool": auth}},
        defaults={"authorizer": "users"},
        routes={
            "GET /me": "functions/me.handler",
            "GET /health": {"function": "functions/health.handler", "authorizer": "none"},
        },
    )
    stack.add_outputs({"ApiEndpoint": api.url, "UserPoolId": auth.user_pool_id, "ClientId": auth.client_id})
