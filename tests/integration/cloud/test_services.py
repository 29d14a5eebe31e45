"""Every served API: create, write, read, list and delete over real HTTP with plain boto3."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import ClientFactory

Names = Callable[[str], str]


def test_dynamodb_and_streams(aws_client: ClientFactory, unique_name: Names) -> None:
    ddb, streams = aws_client("dynamodb"), aws_client("dynamodbstreams")
    table = unique_name("table")
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "1"}
    assert table in ddb.list_tables()["TableNames"]
    assert ddb.scan(TableName=table)["Count"] == 1

    stream_arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert [r["eventName"] for r in records] == ["INSERT"]

    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "a"}})
    ddb.delete_table(TableName=table)
    assert table not in ddb.list_tables()["TableNames"]


def test_s3(aws_client: ClientFactory, unique_name: Names) -> None:
    s3 = aws_client("s3")
    bucket = unique_name("bucket")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/a_b.txt", Body=b"hello", Metadata={"my_key": "v"})
    got = s3.get_object(Bucket=bucket, Key="dir/a_b.txt")
    assert got["Body"].read() == b"hello"
    assert s3.head_object(Bucket=bucket, Key="dir/a_b.txt")["ContentLength"] == 5
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["dir/a_b.txt"]
    s3.delete_object(Bucket=bucket, Key="dir/a_b.txt")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    s3.delete_bucket(Bucket=bucket)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_sqs(aws_client: ClientFactory, unique_name: Names) -> None:
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName=unique_name("queue"))["QueueUrl"]
    assert url.startswith("http://127.0.0.1:")
    sqs.send_message(QueueUrl=url, MessageBody="one")
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in messages] == ["one"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    assert url in sqs.list_queues()["QueueUrls"]
    sqs.delete_queue(QueueUrl=url)
    assert url not in sqs.list_queues().get("QueueUrls", [])


def test_sqs_long_poll_wakes_on_send(aws_client: ClientFactory, unique_name: Names) -> None:
    import threading

    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName=unique_name("queue"))["QueueUrl"]
    received: list[str] = []

    def poll() -> None:
        reply = aws_client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=10)
        received.extend(m["Body"] for m in reply.get("Messages", []))

    poller = threading.Thread(target=poll)
    poller.start()
    # the poll must not block other clients while it waits
    assert "Item" not in aws_client("dynamodb").list_tables()
    sqs.send_message(QueueUrl=url, MessageBody="late")
    poller.join(timeout=10)
    assert received == ["late"]


def test_sns(aws_client: ClientFactory, unique_name: Names) -> None:
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic = sns.create_topic(Name=unique_name("topic"))["TopicArn"]
    queue_url = sqs.create_queue(QueueName=unique_name("sub"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sns.publish(TopicArn=topic, Message="hi")
    body = json.loads(sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"][0]["Body"])
    assert body["Message"] == "hi"
    assert topic in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    sns.delete_topic(TopicArn=topic)
    assert topic not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]


def test_iam_and_sts(aws_client: ClientFactory, unique_name: Names) -> None:
    iam, sts = aws_client("iam"), aws_client("sts")
    role = unique_name("role")
    trust = {"Version": "2012-10-17", "Statement": []}
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=json.dumps(policy))
    assert iam.get_role_policy(RoleName=role, PolicyName="inline")["PolicyName"] == "inline"
    assert role in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    iam.delete_role_policy(RoleName=role, PolicyName="inline")
    iam.delete_role(RoleName=role)
    with pytest.raises(ClientError) as caught:
        iam.get_role(RoleName=role)
    assert caught.value.response["Error"]["Code"] == "NoSuchEntity"
    assert sts.get_caller_identity()["Account"] == "123456789012"


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()


def test_lambda_control_plane_without_docker(aws_client: ClientFactory, unique_name: Names) -> None:
    lam, iam = aws_client("lambda"), aws_client("iam")
    name = unique_name("fn")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    code = _zip("def handler(event, context):\n    return event\n")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": code},
    )
    config = lam.get_function(FunctionName=name)["Configuration"]
    assert config["Handler"] == "handler.handler"
    assert config["CodeSize"] == len(code)
    assert name in [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    # no docker anywhere: Invoke either runs (a runtime plugin is installed) or says it cannot
    try:
        reply = lam.invoke(FunctionName=name, Payload=b'{"x": 1}')
        assert json.loads(reply["Payload"].read()) == {"x": 1}
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "InvocationNotAvailableException"
        assert "not available" in exc.response["Error"]["Message"]
    lam.delete_function(FunctionName=name)
    assert name not in [f["FunctionName"] for f in lam.list_functions()["Functions"]]


def test_apigatewayv2(aws_client: ClientFactory, unique_name: Names) -> None:
    apigw = aws_client("apigatewayv2")
    api = apigw.create_api(Name=unique_name("api"), ProtocolType="HTTP")["ApiId"]
    route = apigw.create_route(ApiId=api, RouteKey="GET /items")["RouteId"]
    assert apigw.get_route(ApiId=api, RouteId=route)["RouteKey"] == "GET /items"
    assert api in [a["ApiId"] for a in apigw.get_apis()["Items"]]
    apigw.delete_api(ApiId=api)
    assert api not in [a["ApiId"] for a in apigw.get_apis()["Items"]]


def test_eventbridge(aws_client: ClientFactory, unique_name: Names) -> None:
    events = aws_client("events")
    rule = unique_name("rule")
    events.put_rule(Name=rule, ScheduleExpression="rate(5 minutes)")
    events.put_targets(Rule=rule, Targets=[{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:123456789012:q"}])
    assert events.describe_rule(Name=rule)["ScheduleExpression"] == "rate(5 minutes)"
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=rule)["Targets"]] == ["t"]
    events.remove_targets(Rule=rule, Ids=["t"])
    events.delete_rule(Name=rule)
    assert rule not in [r["Name"] for r in events.list_rules()["Rules"]]


def test_logs(aws_client: ClientFactory, unique_name: Names) -> None:
    logs = aws_client("logs")
    group = unique_name("/aws/lambda/fn")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello"}],
    )
    events = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)["events"]
    assert [e["message"] for e in events] == ["hello"]
    assert group in [
        g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    ]
    logs.delete_log_group(logGroupName=group)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_ssm(aws_client: ClientFactory, unique_name: Names) -> None:
    ssm = aws_client("ssm")
    name = "/" + unique_name("app") + "/secret"
    ssm.put_parameter(Name=name, Value="s3cret", Type="SecureString")
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == "s3cret"
    path = name.rsplit("/", 1)[0]
    assert [p["Name"] for p in ssm.get_parameters_by_path(Path=path)["Parameters"]] == [name]
    ssm.delete_parameter(Name=name)
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=name)
    assert caught.value.response["Error"]["Code"] == "ParameterNotFound"
