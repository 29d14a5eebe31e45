"""Sample events for the Invoke page, one per trigger type, shaped as AWS delivers them.

HTTP events come from the same builder the local cloud's API data plane uses (payload format 2.0), so a
sample is exactly what the function would receive from its route.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from typing import Any

from squall.console.triggers import FunctionInfo, SampleKind
from squall.runtime.apigw.event import ApiInfo, HttpRequest, build_event
from squall.runtime.apigw.routes import RouteMatch

SAMPLE_KINDS: tuple[SampleKind, ...] = ("api", "sqs", "s3", "sns", "schedule", "dynamodb", "empty")
ACCOUNT = "000000000000"
_PARAM = re.compile(r"\{([^}+]+)\+?\}")


def api_event(route_key: str, region: str, *, body: Any = None, now_ms: int | None = None) -> dict[str, Any]:
    method, _, path_template = route_key.partition(" ")
    if route_key == "$default" or not path_template:
        method, path_template = "GET", "/"
    method = "GET" if method == "ANY" else method
    params = {name: "example" for name in _PARAM.findall(path_template)}
    path = _PARAM.sub("example", path_template)
    payload = b"" if body is None else json.dumps(body).encode()
    headers = [("host", "localhost"), ("user-agent", "squall-console")]
    if payload:
        headers.append(("content-type", "application/json"))
    request = HttpRequest(method=method, raw_path=path, headers=headers, body=payload)
    event = build_event(
        request,
        ApiInfo(api_id="console", account_id=ACCOUNT, region=region),
        request_id=str(uuid.uuid4()),
        time_epoch_ms=now_ms if now_ms is not None else int(time.time() * 1000),
        route=RouteMatch(route_key, params),
    )
    return dict(event)


def sqs_event(queue: str, region: str, body: Any = None) -> dict[str, Any]:
    text = json.dumps(body if body is not None else {"hello": "world"})
    now = str(int(time.time() * 1000))
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": base64.b64encode(uuid.uuid4().bytes).decode(),
                "body": text,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": now,
                    "SenderId": ACCOUNT,
                    "ApproximateFirstReceiveTimestamp": now,
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{region}:{ACCOUNT}:{queue}",
                "awsRegion": region,
            }
        ]
    }


def s3_event(bucket: str, region: str, key: str = "example.txt") -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "squall"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "squall-console",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "squall"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {"key": key, "size": 5, "eTag": "", "sequencer": "0"},
                },
            }
        ]
    }


def sns_event(topic: str, region: str, message: Any = None) -> dict[str, Any]:
    arn = f"arn:aws:sns:{region}:{ACCOUNT}:{topic}"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{arn}:{uuid.uuid4()}",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": arn,
                    "Subject": None,
                    "Message": json.dumps(message if message is not None else {"hello": "world"}),
                    "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                    "SignatureVersion": "1",
                    "Signature": "",
                    "SigningCertUrl": "",
                    "UnsubscribeUrl": "",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def schedule_event(rule: str, region: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


def dynamodb_event(table: str, region: str) -> dict[str, Any]:
    arn = f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}/stream/2024-01-01T00:00:00.000"
    return {
        "Records": [
            {
                "eventID": uuid.uuid4().hex,
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": region,
                "dynamodb": {
                    "ApproximateCreationDateTime": int(time.time()),
                    "Keys": {"id": {"S": "example"}},
                    "NewImage": {"id": {"S": "example"}, "value": {"N": "1"}},
                    "SequenceNumber": "100000000000000000001",
                    "SizeBytes": 26,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": arn,
            }
        ]
    }


def sample_event(kind: SampleKind, function: FunctionInfo | None, region: str) -> Any:
    """A sample event of ``kind``, filled in from ``function``'s first trigger of that kind when it has one."""
    wanted = {"api": "api", "sqs": "queue", "s3": "bucket", "sns": "topic", "schedule": "schedule"}
    wanted["dynamodb"] = "stream"
    detail: dict[str, Any] = {}
    for trigger in function.triggers if function else ():
        if trigger.kind == wanted.get(kind):
            detail = trigger.detail
            break
    if kind == "api":
        route = str(detail.get("routeKey") or "POST /")
        body: dict[str, Any] | None = {} if route.split(" ")[0] in ("POST", "PUT", "PATCH") else None
        return api_event(route, region, body=body)
    if kind == "sqs":
        return sqs_event(str(detail.get("queue") or "queue"), region)
    if kind == "s3":
        return s3_event(str(detail.get("bucket") or "bucket"), region)
    if kind == "sns":
        return sns_event(str(detail.get("topic") or "topic"), region)
    if kind == "schedule":
        return schedule_event(str(detail.get("rule") or "rule"), region)
    if kind == "dynamodb":
        return dynamodb_event(str(detail.get("table") or "table"), region)
    return {}
