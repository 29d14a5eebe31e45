"""The event builders produce AWS's documented sample events, field by field."""

from __future__ import annotations

from datetime import datetime

from squall.events.shapes import dynamodb_record, s3_record, scheduled_event, sns_record, sqs_record


def test_sqs_record_matches_the_sample() -> None:
    message = {
        "MessageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "ReceiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
        "MD5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "Body": "Test message.",
        "Attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1545082649183",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1545082649185",
        },
    }
    record = sqs_record(message, "arn:aws:sqs:us-east-2:123456789012:my-queue", "us-east-2")
    assert record == {
        "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
        "body": "Test message.",
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1545082649183",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1545082649185",
        },
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
        "awsRegion": "us-east-2",
    }


def test_sqs_fifo_record_adds_group_sequence_and_deduplication() -> None:
    message = {
        "MessageId": "m",
        "ReceiptHandle": "r",
        "Body": "b",
        "Attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1",
            "SenderId": "S",
            "ApproximateFirstReceiveTimestamp": "2",
            "SequenceNumber": "18849496460467696128",
            "MessageGroupId": "1",
            "MessageDeduplicationId": "1",
        },
        "MessageAttributes": {"a": {"DataType": "Number", "StringValue": "5"}},
    }
    record = sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:q.fifo", "us-east-1")
    assert record["attributes"]["SequenceNumber"] == "18849496460467696128"
    assert record["attributes"]["MessageGroupId"] == "1"
    assert record["attributes"]["MessageDeduplicationId"] == "1"
    assert record["md5OfBody"] == "92eb5ffee6ae2fec3ad71c777531578f"
    assert record["messageAttributes"] == {
        "a": {"stringValue": "5", "stringListValues": [], "binaryListValues": [], "dataType": "Number"}
    }


def test_s3_record_matches_the_sample() -> None:
    record = s3_record(
        event_name="ObjectCreated:Put",
        bucket="DOC-EXAMPLE-BUCKET",
        bucket_arn="arn:aws:s3:::DOC-EXAMPLE-BUCKET",
        region="us-east-1",
        key="photos/red flower:1.jpg",
        size=1305107,
        etag='"b21b84d653bb07b05b1e6b33684dc11b"',
        sequencer="0C0F6F405D6ED209E1",
        configuration_id="828aa6fc",
        event_time=datetime(2019, 9, 3, 19, 37, 27, 192000),
    )
    assert list(record) == [
        "eventVersion",
        "eventSource",
        "awsRegion",
        "eventTime",
        "eventName",
        "userIdentity",
        "requestParameters",
        "responseElements",
        "s3",
    ]
    assert record["eventVersion"] == "2.1"
    assert record["eventTime"] == "2019-09-03T19:37:27.192Z"
    assert set(record["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    assert record["s3"] == {
        "s3SchemaVersion": "1.0",
        "configurationId": "828aa6fc",
        "bucket": {
            "name": "DOC-EXAMPLE-BUCKET",
            "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
            "arn": "arn:aws:s3:::DOC-EXAMPLE-BUCKET",
        },
        "object": {
            "key": "photos/red+flower%3A1.jpg",
            "size": 1305107,
            "eTag": "b21b84d653bb07b05b1e6b33684dc11b",
            "sequencer": "0C0F6F405D6ED209E1",
        },
    }


def test_s3_removed_record_has_no_size_or_etag() -> None:
    record = s3_record(
        event_name="ObjectRemoved:Delete",
        bucket="b",
        bucket_arn="arn:aws:s3:::b",
        region="us-east-1",
        key="k",
        size=3,
        etag="e",
        sequencer="01",
        configuration_id="c",
        event_time=datetime(2020, 1, 1),
        version_id="v1",
    )
    assert record["s3"]["object"] == {"key": "k", "versionId": "v1", "sequencer": "01"}


def test_sns_record_matches_the_sample() -> None:
    subscription = "arn:aws:sns:us-east-1:123456789012:sns-lambda:21be56ed-a058-49f5-8c98-aedd2564c486"
    record = sns_record(
        subscription_arn=subscription,
        topic_arn="arn:aws:sns:us-east-1:123456789012:sns-lambda",
        message_id="95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        message="Hello from SNS!",
        subject="TestInvoke",
        attributes={"Test": {"Type": "String", "Value": "TestString"}},
        timestamp=datetime(2019, 1, 2, 12, 45, 7),
    )
    assert list(record) == ["EventVersion", "EventSubscriptionArn", "EventSource", "Sns"]
    assert record["EventVersion"] == "1.0"
    assert record["EventSource"] == "aws:sns"
    sns = record["Sns"]
    assert sns["SignatureVersion"] == "1"
    assert sns["Timestamp"] == "2019-01-02T12:45:07.000Z"
    assert sns["SigningCertUrl"].startswith("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-")
    assert sns["UnsubscribeUrl"] == (
        f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription}"
    )
    assert sns["MessageAttributes"] == {"Test": {"Type": "String", "Value": "TestString"}}
    assert sns["Type"] == "Notification"
    assert sns["Subject"] == "TestInvoke"
    assert sns["Message"] == "Hello from SNS!"
    assert sns["MessageId"] == "95df01b4-ee98-5cb9-9903-4c221d41eb5e"


def test_sns_record_without_subject_has_null_subject() -> None:
    record = sns_record(
        subscription_arn="arn:aws:sns:us-east-1:1:t:s",
        topic_arn="arn:aws:sns:us-east-1:1:t",
        message_id="m",
        message="x",
        subject=None,
        attributes=None,
        timestamp=datetime(2020, 1, 1),
    )
    assert record["Sns"]["Subject"] is None
    assert record["Sns"]["MessageAttributes"] == {}


def test_dynamodb_record_matches_the_sample() -> None:
    moto_record = {
        "eventID": "c4ca4238a0b923820dcc509a6f75849b",
        "eventName": "INSERT",
        "eventVersion": "1.0",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "ApproximateCreationDateTime": datetime(2016, 12, 2, 1, 27),
            "SequenceNumber": "4421584500000000017450439091",
            "SizeBytes": 26,
            "Keys": {"Id": {"N": "101"}},
            "NewImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}},
        },
    }
    stream = (
        "arn:aws:dynamodb:us-west-2:123456789012:table/ExampleTableWithStream/stream/2015-06-27T00:48:05.899"
    )
    record = dynamodb_record(moto_record, stream, "us-west-2")
    assert record == {
        "eventID": "c4ca4238a0b923820dcc509a6f75849b",
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-west-2",
        "dynamodb": {
            "ApproximateCreationDateTime": 1480642020,
            "Keys": {"Id": {"N": "101"}},
            "NewImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}},
            "SequenceNumber": "4421584500000000017450439091",
            "SizeBytes": 26,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": stream,
    }


def test_scheduled_event_matches_the_sample() -> None:
    rule = "arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"
    event = scheduled_event(
        rule, datetime(2015, 10, 8, 16, 53, 6, 500000), "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa"
    )
    assert event == {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2015-10-08T16:53:06Z",
        "region": "us-east-1",
        "resources": [rule],
        "detail": {},
    }
