"""What each construct synthesizes into: resource types, wiring, least-privilege policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from squall.app import App, Stack
from squall.constructs import Api, Bucket, Cron, Function, Queue, Secret, Table, Topic
from squall.graph import Graph
from squall.graph.synth import synthesize
from tests.conftest import EXAMPLES


@pytest.fixture
def app(tmp_path: Path) -> App:
    (tmp_path / "fn.py").write_text("def handler(event, context):\n    return event\n")
    return App("shop", "dev", "eu-west-1", root=tmp_path)


def stack_of(app: App) -> Stack:
    return app.stack(lambda stack: None, id="Main")


def policy(graph: Graph, function: str) -> list[dict[str, Any]]:
    role = graph.resource(f"{function}Role")
    statements: list[dict[str, Any]] = role.properties["Policies"][0]["PolicyDocument"]["Statement"]
    return statements


def environment(graph: Graph, function: str) -> dict[str, Any]:
    variables: dict[str, Any] = graph.resource(function).properties["Environment"]["Variables"]
    return variables


def test_url_shortener_functions_get_their_table_and_nothing_else() -> None:
    from squall.config import load_project

    graph = load_project(EXAMPLES / "url-shortener" / "squall.config.py", "dev").graph
    table_arn = "arn:aws:dynamodb:us-east-1:${AWS::AccountId}:table/url-shortener-dev-Urls"
    for function in graph.of_type("AWS::Lambda::Function"):
        statements = policy(graph, function.logical_id)
        resources = [r["Fn::Sub"] for s in statements for r in s["Resource"]]
        assert resources == [
            f"arn:aws:logs:us-east-1:${{AWS::AccountId}}:log-group:/aws/lambda/{function.physical_name}:*",
            table_arn,
            table_arn + "/index/*",
        ]
        assert all("*" not in action for s in statements for action in s["Action"])
        assert set(environment(graph, function.logical_id)) == {
            "SQUALL_APP",
            "SQUALL_STAGE",
            "SQUALL_RESOURCE_Urls",
        }


def test_table_read_access_grants_only_reads(app: App) -> None:
    stack = stack_of(app)
    table = Table(stack, "Notes", fields={"id": "string"}, primary_index={"partition_key": "id"})
    fn = Function(stack, "Reader", handler="fn.handler")
    fn.bind([table], access="read")
    graph = synthesize(app)
    actions = policy(graph, "Reader")[1]["Action"]
    assert actions == sorted(actions)
    assert "dynamodb:GetItem" in actions and "dynamodb:Query" in actions
    assert not {"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"} & set(actions)


def test_table_keys_indexes_and_stream(app: App) -> None:
    stack = stack_of(app)
    Table(
        stack,
        "Notes",
        fields={"userId": "string", "noteId": "string", "createdAt": "number", "body": "string"},
        primary_index={"partition_key": "userId", "sort_key": "noteId"},
        global_indexes={
            "ByDate": {"partition_key": "userId", "sort_key": "createdAt", "projection": "keys_only"}
        },
        stream="new_image",
        consumers={"Indexer": "fn.handler"},
    )
    graph = synthesize(app)
    table = graph.resource("Notes").properties
    assert table["KeySchema"] == [
        {"AttributeName": "userId", "KeyType": "HASH"},
        {"AttributeName": "noteId", "KeyType": "RANGE"},
    ]
    assert table["AttributeDefinitions"] == [
        {"AttributeName": "createdAt", "AttributeType": "N"},
        {"AttributeName": "noteId", "AttributeType": "S"},
        {"AttributeName": "userId", "AttributeType": "S"},
    ]
    assert table["GlobalSecondaryIndexes"][0]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    mapping = graph.resource("NotesConsumerIndexerMapping").properties
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["Notes", "StreamArn"]}
    assert mapping["FunctionName"] == {"Ref": "NotesConsumerIndexer"}
    stream_statement = policy(graph, "NotesConsumerIndexer")[1]
    assert stream_statement["Resource"][0]["Fn::Sub"].endswith("table/shop-dev-Notes/stream/*")


def test_queue_with_consumer_and_dlq(app: App) -> None:
    stack = stack_of(app)
    dead = Queue(stack, "Failed")
    Queue(
        stack,
        "Jobs",
        consumer={"function": "fn.handler", "batch_size": 5},
        dlq={"queue": dead, "max_receive_count": 4},
    )
    graph = synthesize(app)
    jobs = graph.resource("Jobs")
    assert jobs.properties["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["Failed", "Arn"]},
        "maxReceiveCount": 4,
    }
    assert "Failed" in jobs.to_json()["depends_on"]
    mapping = graph.resource("JobsConsumerMapping").properties
    assert mapping["BatchSize"] == 5 and mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    receive = policy(graph, "JobsConsumer")[1]
    assert "sqs:ReceiveMessage" in receive["Action"] and "sqs:SendMessage" not in receive["Action"]


def test_queue_visibility_shorter_than_consumer_timeout_is_refused(app: App) -> None:
    stack = stack_of(app)
    Queue(
        stack, "Jobs", consumer={"function": {"handler": "fn.handler", "timeout": 60}}, visibility_timeout=30
    )
    with pytest.raises(Exception, match="visibility_timeout 30 is shorter"):
        synthesize(app)


def test_cron_rule_target_and_permission(app: App) -> None:
    stack = stack_of(app)
    Cron(stack, "Nightly", schedule="cron(0 3 * * ? *)", job="fn.handler", enabled=False)
    graph = synthesize(app)
    rule = graph.resource("Nightly").properties
    assert rule["ScheduleExpression"] == "cron(0 3 * * ? *)" and rule["State"] == "DISABLED"
    assert rule["Targets"] == [{"Id": "job", "Arn": {"Fn::GetAtt": ["NightlyJob", "Arn"]}}]
    assert graph.resource("NightlyJobPermission").properties["Principal"] == "events.amazonaws.com"


def test_topic_with_function_and_queue_subscribers(app: App) -> None:
    stack = stack_of(app)
    queue = Queue(stack, "Audit")
    topic = Topic(
        stack,
        "Events",
        subscribers={
            "Mailer": {"function": "fn.handler", "filter_policy": {"kind": ["order"]}},
            "Audit": queue,
        },
    )
    publisher = Function(stack, "Publisher", handler="fn.handler", bind=[topic])
    assert publisher.id == "Publisher"
    graph = synthesize(app)
    mailer = graph.resource("EventsSubscriberMailerSubscription").properties
    assert mailer["Protocol"] == "lambda" and mailer["FilterPolicy"] == {"kind": ["order"]}
    assert graph.resource("EventsSubscriberAuditSubscription").properties["Protocol"] == "sqs"
    assert graph.resource("EventsSubscriberAuditQueuePolicy").type == "AWS::SQS::QueuePolicy"
    assert policy(graph, "Publisher")[1]["Action"] == ["sns:Publish"]


def test_bucket_notifications(app: App) -> None:
    stack = stack_of(app)
    Bucket(
        stack,
        "Uploads",
        notifications={
            "Thumbs": {
                "function": "fn.handler",
                "events": ["object_created"],
                "filters": [{"suffix": ".png"}],
            }
        },
    )
    graph = synthesize(app)
    bucket = graph.resource("Uploads")
    assert bucket.physical_name == "shop-dev-uploads"
    assert bucket.properties["NotificationConfiguration"]["LambdaConfigurations"] == [
        {
            "Event": "s3:ObjectCreated:*",
            "Function": {"Fn::GetAtt": ["UploadsNotificationThumbs", "Arn"]},
            "Filter": {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".png"}]}},
        }
    ]


def test_bucket_policy_by_access(app: App) -> None:
    stack = stack_of(app)
    bucket = Bucket(stack, "Uploads")
    Function(stack, "Writer", handler="fn.handler").bind([bucket], access="write")
    graph = synthesize(app)
    statements = policy(graph, "Writer")[1:]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": ["s3:DeleteObject", "s3:PutObject"],
            "Resource": ["arn:aws:s3:::shop-dev-uploads/*"],
        }
    ]


def test_secret_binding_carries_no_value(app: App) -> None:
    stack = stack_of(app)
    secret = Secret(stack, "ApiKey")
    Function(stack, "Caller", handler="fn.handler", bind=[secret])
    graph = synthesize(app)
    assert [s.parameter for s in graph.secrets] == ["/squall/shop/dev/ApiKey"]
    metadata = environment(graph, "Caller")["SQUALL_RESOURCE_ApiKey"]["Fn::ToJsonString"]
    assert metadata == {
        "type": "Secret",
        "parameter": "/squall/shop/dev/ApiKey",
        "fallbackParameter": "/squall/shop/.fallback/ApiKey",
    }
    assert "ApiKey" not in graph.resource("Caller").to_json()["depends_on"]


def test_api_defaults_bind_and_added_routes(app: App) -> None:
    stack = stack_of(app)
    table = Table(stack, "Notes", fields={"id": "string"}, primary_index={"partition_key": "id"})
    api = Api(
        stack, "Api", routes={"GET /": "fn.handler"}, defaults={"function": {"timeout": 20}}, cors=False
    )
    api.bind([table])
    api.add_routes({"ANY /{proxy+}": {"function": {"handler": "fn.handler", "memory_size": 256}}})
    graph = synthesize(app)
    assert graph.resource("ApiGet").properties["Timeout"] == 20
    proxy = graph.resource("ApiAnyProxyAll").properties
    assert proxy["Timeout"] == 20 and proxy["MemorySize"] == 256
    assert {(b.function, b.resource) for b in graph.bindings} == {
        ("ApiGet", "Notes"),
        ("ApiAnyProxyAll", "Notes"),
    }
    assert "CorsConfiguration" not in graph.resource("Api").properties


def test_a_shared_function_serves_two_routes(app: App) -> None:
    stack = stack_of(app)
    fn = Function(stack, "Handler", handler="fn.handler")
    Api(stack, "Api", routes={"GET /a": fn, "GET /b": fn})
    graph = synthesize(app)
    assert len(graph.of_type("AWS::Lambda::Function")) == 1
    assert len(graph.of_type("AWS::ApiGatewayV2::Integration")) == 2


def test_app_default_function_props(app: App) -> None:
    app.set_default_function_props({"runtime": "python3.13", "environment": {"LOG_LEVEL": "debug"}})
    Function(stack_of(app), "Worker", handler="fn.handler", environment={"MODE": "x"})
    graph = synthesize(app)
    props = graph.resource("Worker").properties
    assert props["Runtime"] == "python3.13"
    assert props["Environment"]["Variables"]["LOG_LEVEL"] == "debug"
    assert props["Environment"]["Variables"]["MODE"] == "x"


def test_api_url_is_a_token_for_environment_and_outputs(app: App) -> None:
    stack = stack_of(app)
    api = Api(stack, "Api", routes={"GET /": "fn.handler"})
    Function(stack, "Caller", handler="fn.handler", environment={"API_URL": api.url})
    stack.add_outputs({"Url": api.url, "Plain": "hello"})
    graph = synthesize(app)
    assert environment(graph, "Caller")["API_URL"] == {"Fn::GetAtt": ["Api", "ApiEndpoint"]}
    assert graph.outputs == {"Url": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}, "Plain": "hello"}
    with pytest.raises(TypeError, match="only known at deploy time"):
        str(api.url)
