"""The Resources page's explorers: table items, bucket objects, queue messages, secret names.

Each works on one resource of the stage, named by its logical id and found by its physical name (names are
deterministic from the graph, so no deploy state is needed). Calls go straight to the target's APIs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from squall.console.dynamo import decode_cursor, encode_cursor, from_dynamo, key_value, to_dynamo
from squall.console.errors import BadRequest, NotFound
from squall.graph.model import Graph, Resource

MAX_PAGE = 10_000


def stage_resource(graph: Graph, logical_id: str, type_name: str) -> Resource:
    for resource in graph.resources:
        if resource.logical_id == logical_id and resource.type == type_name:
            return resource
    raise NotFound(f"the stage has no {type_name.split('::')[-1]} {logical_id!r}")


def physical(resource: Resource) -> str:
    if not resource.physical_name:
        raise NotFound(f"{resource.logical_id} has no name")
    return resource.physical_name


class Tables:
    def __init__(self, dynamodb: Any) -> None:
        self._db = dynamodb

    def schema(self, table: str) -> dict[str, Any]:
        description = self._db.describe_table(TableName=table)["Table"]
        types = {a["AttributeName"]: a["AttributeType"] for a in description.get("AttributeDefinitions", [])}
        keys = {k["KeyType"]: k["AttributeName"] for k in description.get("KeySchema", [])}
        partition, sort = keys.get("HASH"), keys.get("RANGE")
        return {
            "table": table,
            "partitionKey": partition,
            "sortKey": sort,
            "types": {name: types.get(name, "S") for name in (partition, sort) if name},
            "itemCount": description.get("ItemCount"),
        }

    def scan(self, table: str, *, limit: int, cursor: str | None) -> dict[str, Any]:
        """Up to ``limit`` items from ``cursor`` on, read in as many 1 MB scan pages as it takes."""
        limit = max(1, min(limit, MAX_PAGE))
        start = decode_cursor(cursor)
        items: list[dict[str, Any]] = []
        while len(items) < limit:
            params: dict[str, Any] = {"TableName": table, "Limit": limit - len(items)}
            if start:
                params["ExclusiveStartKey"] = start
            page = self._db.scan(**params)
            items.extend(from_dynamo(item) for item in page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return {"items": items, "cursor": encode_cursor(start)}

    def query(self, table: str, partition: Any, sort: Any = None, *, limit: int = 1000) -> dict[str, Any]:
        schema = self.schema(table)
        names = {"#p": schema["partitionKey"]}
        values = {":p": key_value(partition, schema["types"][schema["partitionKey"]])}
        condition = "#p = :p"
        if sort not in (None, "") and schema["sortKey"]:
            names["#s"] = schema["sortKey"]
            values[":s"] = key_value(sort, schema["types"][schema["sortKey"]])
            condition += " AND #s = :s"
        page = self._db.query(
            TableName=table,
            KeyConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            Limit=max(1, min(limit, MAX_PAGE)),
        )
        return {"items": [from_dynamo(i) for i in page.get("Items", [])], "cursor": None}

    def put(self, table: str, item: dict[str, Any]) -> None:
        self._db.put_item(TableName=table, Item=to_dynamo(item))

    def delete(self, table: str, key: dict[str, Any]) -> None:
        schema = self.schema(table)
        wanted = [k for k in (schema["partitionKey"], schema["sortKey"]) if k]
        missing = [k for k in wanted if k not in key]
        if missing:
            raise BadRequest(f"the key needs {', '.join(missing)}")
        typed = {k: key_value(key[k], schema["types"][k]) for k in wanted}
        self._db.delete_item(TableName=table, Key=typed)


class Buckets:
    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def list(
        self, bucket: str, *, prefix: str = "", token: str | None = None, limit: int = 1000
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": max(1, min(limit, 1000))}
        if token:
            params["ContinuationToken"] = token
        page = self._s3.list_objects_v2(**params)
        objects = [
            {"key": o["Key"], "size": o.get("Size", 0), "lastModified": o["LastModified"].isoformat()}
            for o in page.get("Contents", [])
        ]
        return {"objects": objects, "token": page.get("NextContinuationToken")}

    def download(self, bucket: str, key: str) -> tuple[Iterator[bytes], str, int]:
        try:
            response = self._s3.get_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise NotFound(f"no object {key!r} in {bucket}") from exc
            raise
        body = response["Body"]
        return (
            body.iter_chunks(chunk_size=64 * 1024),
            str(response.get("ContentType") or "application/octet-stream"),
            int(response.get("ContentLength") or 0),
        )

    def upload(self, bucket: str, key: str, data: bytes, content_type: str | None) -> None:
        if not key:
            raise BadRequest("an object needs a key")
        params: dict[str, Any] = {"Bucket": bucket, "Key": key, "Body": data}
        if content_type:
            params["ContentType"] = content_type
        self._s3.put_object(**params)

    def delete(self, bucket: str, key: str) -> None:
        self._s3.delete_object(Bucket=bucket, Key=key)


class Queues:
    COUNTS = (
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    )

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs

    def _url(self, queue: str) -> str:
        try:
            return str(self._sqs.get_queue_url(QueueName=queue)["QueueUrl"])
        except ClientError as exc:
            raise NotFound(f"queue {queue} does not exist (is the stage deployed?)") from exc

    def describe(self, queue: str) -> dict[str, Any]:
        url = self._url(queue)
        attributes = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get(
            "Attributes", {}
        )
        return {
            "queue": queue,
            "url": url,
            "counts": {name: int(attributes.get(name, 0)) for name in self.COUNTS},
            "fifo": attributes.get("FifoQueue") == "true",
        }

    def peek(self, queue: str, limit: int = 10) -> list[dict[str, Any]]:
        """Messages as they are, left on the queue (received with a visibility timeout of 0)."""
        response = self._sqs.receive_message(
            QueueUrl=self._url(queue),
            MaxNumberOfMessages=max(1, min(limit, 10)),
            VisibilityTimeout=0,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return [
            {"messageId": m["MessageId"], "body": m.get("Body", ""), "attributes": m.get("Attributes", {})}
            for m in response.get("Messages", [])
        ]

    def send(self, queue: str, body: str, group: str | None = None) -> str:
        url = self._url(queue)
        params: dict[str, Any] = {"QueueUrl": url, "MessageBody": body}
        if url.endswith(".fifo"):
            params["MessageGroupId"] = group or "console"
        return str(self._sqs.send_message(**params)["MessageId"])


def secret_names(ssm: Any, graph: Graph) -> list[dict[str, Any]]:
    """The stage's and the fallback secrets: names and dates, never values."""
    found: dict[str, dict[str, Any]] = {}
    for scope, path in (
        ("stage", f"/squall/{graph.app}/{graph.stage}/"),
        ("fallback", f"/squall/{graph.app}/.fallback/"),
    ):
        for page in ssm.get_paginator("get_parameters_by_path").paginate(
            Path=path, Recursive=True, WithDecryption=False
        ):
            for parameter in page.get("Parameters", []):
                name = parameter["Name"][len(path) :]
                entry = found.setdefault(
                    name, {"name": name, "declared": False, "stage": False, "fallback": False}
                )
                entry[scope] = True
                modified = parameter.get("LastModifiedDate")
                if modified is not None and scope == "stage":
                    entry["lastModified"] = modified.isoformat()
    for secret in graph.secrets:
        found.setdefault(secret.name, {"name": secret.name, "stage": False, "fallback": False})[
            "declared"
        ] = True
    for entry in found.values():
        entry.setdefault("declared", False)
    return sorted(found.values(), key=lambda e: str(e["name"]))
