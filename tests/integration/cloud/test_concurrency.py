"""Many clients at once: no spurious errors, exact final counts."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests.integration.conftest import ClientFactory

CLIENTS = 8
OPERATIONS = 200


def test_eight_clients_mixed_operations(aws_client: ClientFactory, unique_name: Callable[[str], str]) -> None:
    table, bucket, queue = unique_name("conc"), unique_name("conc"), unique_name("conc")
    setup = aws_client("dynamodb")
    setup.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws_client("s3").create_bucket(Bucket=bucket)
    queue_url = aws_client("sqs").create_queue(QueueName=queue)["QueueUrl"]
    errors: list[BaseException] = []
    counts = {"items": 0, "objects": 0, "messages": 0, "increments": 0}
    counts_lock = threading.Lock()

    def work(worker: int) -> None:
        ddb, s3, sqs = aws_client("dynamodb"), aws_client("s3"), aws_client("sqs")
        mine = {"items": 0, "objects": 0, "messages": 0, "increments": 0}
        try:
            for i in range(OPERATIONS):
                key = f"w{worker}-{i}"
                match i % 5:
                    case 0:
                        ddb.put_item(TableName=table, Item={"pk": {"S": key}})
                        assert ddb.get_item(TableName=table, Key={"pk": {"S": key}})["Item"]["pk"]["S"] == key
                        mine["items"] += 1
                    case 1:
                        ddb.update_item(
                            TableName=table,
                            Key={"pk": {"S": "counter"}},
                            UpdateExpression="ADD hits :one",
                            ExpressionAttributeValues={":one": {"N": "1"}},
                        )
                        mine["increments"] += 1
                    case 2:
                        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
                        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
                        mine["objects"] += 1
                    case 3:
                        sqs.send_message(QueueUrl=queue_url, MessageBody=key)
                        mine["messages"] += 1
                    case _:
                        ddb.query(
                            TableName=table,
                            KeyConditionExpression="pk = :k",
                            ExpressionAttributeValues={":k": {"S": key}},
                        )
                        s3.list_objects_v2(Bucket=bucket, MaxKeys=5)
        except BaseException as exc:
            errors.append(exc)
        with counts_lock:
            for name, value in mine.items():
                counts[name] += value

    threads = [threading.Thread(target=work, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=100)
    assert errors == []

    items = setup.scan(TableName=table, Select="COUNT")["Count"]
    assert items == counts["items"] + 1  # plus the counter
    counter = setup.get_item(TableName=table, Key={"pk": {"S": "counter"}})["Item"]["hits"]["N"]
    assert int(counter) == counts["increments"] == CLIENTS * OPERATIONS // 5
    paginator = aws_client("s3").get_paginator("list_objects_v2")
    objects = sum(page["KeyCount"] for page in paginator.paginate(Bucket=bucket))
    assert objects == counts["objects"]
    attributes = aws_client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert int(attributes["ApproximateNumberOfMessages"]) == counts["messages"]
