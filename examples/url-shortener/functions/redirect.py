"""GET /{code} → 302 to the long URL and one more click counted; 404 when the code is unknown."""

from typing import Any

import boto3
from botocore.exceptions import ClientError

from functions.http import respond
from squall import Resource

table = boto3.resource("dynamodb").Table(Resource.Urls.table_name)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    code = (event.get("pathParameters") or {}).get("code")
    if not code:
        return respond(400, {"error": "code required"})
    try:
        result = table.update_item(
            Key={"shortCode": code},
            UpdateExpression="ADD clicks :one",
            ConditionExpression="attribute_exists(shortCode)",
            ExpressionAttributeValues={":one": 1},
            ReturnValues="ALL_NEW",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return respond(404, {"error": f"no short URL {code!r}"})
        raise
    return {"statusCode": 302, "headers": {"location": result["Attributes"]["longUrl"]}, "body": ""}
