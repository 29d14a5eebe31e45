from squall import App, Stack
from squall.constructs import Api, Bucket, Function, Queue, Secret, Table, Topic


def config(input: dict[str, str]) -> dict[str, str]:
    return {"name": "sample"}


def stacks(app: App) -> None:
    app.stack(main)


def main(stack: Stack) -> None:
    notes = Table(
        stack,
        "Notes",
        fields={
            "userId": "string",
            "noteId": "string",
            "createdAt": "number",
            "title": "string",
            "blob": "binary",
        },
        primary_index={"partition_key": "userId", "sort_key": "noteId"},
        global_indexes={"ByDate": {"partition_key": "userId", "sort_key": "createdAt"}},
    )
    uploads = Bucket(stack, "Uploads")
    jobs = Queue(stack, "Jobs")
    events = Topic(stack, "Events")
    key = Secret(stack, "ApiKey")
    api = Api(stack, "Api", routes={"GET /": "functions/correct.table"})
    api.bind([notes, uploads, jobs, events, key])
    Function(stack, "Worker", handler="functions/correct.table")
