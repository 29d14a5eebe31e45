"""url-shortener: shorten a URL, redirect to it, and count the clicks."""

from squall import App, Stack
from squall.constructs import Api, Table


def config(input: dict[str, str]) -> dict[str, str]:
    return {"name": "url-shortener", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(url_stack)


def url_stack(stack: Stack) -> None:
    table = Table(
        stack,
        "Urls",
        fields={"shortCode": "string", "longUrl": "string", "clicks": "number", "createdAt": "number"},
        primary_index={"partition_key": "shortCode"},
    )
    api = Api(
        stack,
        "Api",
        routes={
            "POST /shorten": "functions/shorten.handler",
            "GET /{code}": "functions/redirect.handler",
            "GET /stats/{code}": "functions/stats.handler",
        },
    )
    api.bind([table])
    stack.add_outputs({"ApiEndpoint": api.url})
