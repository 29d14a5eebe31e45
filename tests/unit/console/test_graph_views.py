"""Functions and their triggers from the graph, and the sample events for each trigger type."""

from __future__ import annotations

from squall.console.samples import SAMPLE_KINDS, sample_event
from squall.console.triggers import stage_functions
from squall.graph.model import Graph, Resource, get_att, ref


def function(logical_id: str, owner: str) -> Resource:
    return Resource(
        "AWS::Lambda::Function",
        logical_id,
        f"app-dev-{logical_id}",
        {"FunctionName": f"app-dev-{logical_id}", "Handler": "functions.h.handler"},
        metadata={"handler": "functions/h.handler", "owner": owner},
    )


GRAPH = Graph(
    app="app",
    stage="dev",
    region="us-east-1",
    target="local",
    resources=(
        Resource("AWS::ApiGatewayV2::Api", "Api", "app-dev-Api", {}),
        function("ApiGetItem", "Api 'Api' route 'GET /items/{id}'"),
        Resource(
            "AWS::ApiGatewayV2::Route",
            "ApiGetItemRoute",
            None,
            {"RouteKey": "GET /items/{id}", "ApiId": ref("Api")},
            construct="Api",
            metadata={"function": "ApiGetItem"},
        ),
        Resource("AWS::SQS::Queue", "Jobs", "app-dev-Jobs", {"QueueName": "app-dev-Jobs"}),
        function("JobsConsumer", "Queue 'Jobs' consumer"),
        Resource(
            "AWS::Lambda::EventSourceMapping",
            "JobsConsumerMapping",
            None,
            {"EventSourceArn": get_att("Jobs", "Arn"), "FunctionName": ref("JobsConsumer")},
        ),
        Resource("AWS::DynamoDB::Table", "Items", "app-dev-Items", {"TableName": "app-dev-Items"}),
        function("ItemsConsumer", "Table 'Items' consumer"),
        Resource(
            "AWS::Lambda::EventSourceMapping",
            "ItemsConsumerMapping",
            None,
            {"EventSourceArn": get_att("Items", "StreamArn"), "FunctionName": ref("ItemsConsumer")},
        ),
        function("TickJob", "Cron 'Tick' job"),
        Resource(
            "AWS::Events::Rule",
            "Tick",
            "app-dev-Tick",
            {
                "ScheduleExpression": "rate(1 minute)",
                "Targets": [{"Arn": get_att("TickJob", "Arn"), "Id": "job"}],
            },
        ),
        Resource("AWS::SNS::Topic", "News", "app-dev-News", {"TopicName": "app-dev-News"}),
        function("NewsReader", "Topic 'News' subscriber 'reader'"),
        Resource(
            "AWS::SNS::Subscription",
            "NewsReaderSubscription",
            None,
            {"Endpoint": get_att("NewsReader", "Arn"), "Protocol": "lambda", "TopicArn": ref("News")},
        ),
        function("FilesNotify", "Bucket 'Files' notification 'n'"),
        Resource(
            "AWS::S3::Bucket",
            "Files",
            "app-dev-files",
            {
                "BucketName": "app-dev-files",
                "NotificationConfiguration": {
                    "LambdaConfigurations": [
                        {"Event": "s3:ObjectCreated:*", "Function": get_att("FilesNotify", "Arn")}
                    ]
                },
            },
        ),
        function("Plain", "Function 'Plain'"),
    ),
)


def test_every_function_is_listed_with_its_trigger() -> None:
    functions = {f.logical_id: f for f in stage_functions(GRAPH)}
    assert {k: [(t.kind, t.label) for t in f.triggers] for k, f in functions.items()} == {
        "ApiGetItem": [("api", "GET /items/{id}")],
        "JobsConsumer": [("queue", "queue Jobs")],
        "ItemsConsumer": [("stream", "stream of Items")],
        "TickJob": [("schedule", "rate(1 minute)")],
        "NewsReader": [("topic", "topic News")],
        "FilesNotify": [("bucket", "bucket Files (s3:ObjectCreated:*)")],
        "Plain": [],
    }
    assert functions["ApiGetItem"].name == "app-dev-ApiGetItem"
    assert functions["ApiGetItem"].log_group == "/aws/lambda/app-dev-ApiGetItem"
    assert [functions[k].sample_kind for k in ("JobsConsumer", "ItemsConsumer", "FilesNotify", "Plain")] == [
        "sqs",
        "dynamodb",
        "s3",
        "empty",
    ]


def test_the_api_sample_is_a_payload_2_0_event_for_the_route() -> None:
    functions = {f.logical_id: f for f in stage_functions(GRAPH)}
    event = sample_event("api", functions["ApiGetItem"], "us-east-1")
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/example"
    assert event["pathParameters"] == {"id": "example"}
    assert event["requestContext"]["http"]["method"] == "GET"


def test_record_samples_name_the_functions_sources() -> None:
    functions = {f.logical_id: f for f in stage_functions(GRAPH)}
    sqs = sample_event("sqs", functions["JobsConsumer"], "us-east-1")
    assert sqs["Records"][0]["eventSourceARN"].endswith(":app-dev-Jobs")
    s3 = sample_event("s3", functions["FilesNotify"], "us-east-1")
    assert s3["Records"][0]["s3"]["bucket"]["name"] == "app-dev-files"
    sns = sample_event("sns", functions["NewsReader"], "us-east-1")
    assert sns["Records"][0]["Sns"]["TopicArn"].endswith(":app-dev-News")
    schedule = sample_event("schedule", functions["TickJob"], "us-east-1")
    assert schedule["detail-type"] == "Scheduled Event"
    assert schedule["resources"][0].endswith("rule/app-dev-Tick")
    stream = sample_event("dynamodb", functions["ItemsConsumer"], "us-east-1")
    assert "table/app-dev-Items/stream" in stream["Records"][0]["eventSourceARN"]
    assert sample_event("empty", None, "us-east-1") == {}
    assert set(SAMPLE_KINDS) == {"api", "sqs", "s3", "sns", "schedule", "dynamodb", "empty"}


def test_a_post_sample_has_a_json_body_to_edit() -> None:
    event = sample_event("api", None, "us-east-1")
    assert event["routeKey"] == "POST /"
    assert event["body"] == "{}"
    assert event["isBase64Encoded"] is False
    assert event["headers"]["content-type"] == "application/json"
