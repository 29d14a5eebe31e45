"""A minimal squall app: one HTTP route served by one function."""

from squall import App, Stack
from squall.constructs import Api


def config(input: dict[str, str]) -> dict[str, str]:
    return {"name": "my-app", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(main)


def main(stack: Stack) -> None:
    api = Api(stack, "Api", routes={"GET /": "functions/hello.handler"})
    stack.add_outputs({"ApiEndpoint": api.url})
