"""API Gateway v1 (REST APIs) in the local cloud, including the Swagger 2.0 imports AWS accepts."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.integration.conftest import ClientFactory

SWAGGER = {
    "swagger": "2.0",
    "info": {"version": "1.0", "title": "peer"},
    "schemes": ["https"],
    "paths": {
        "/stats/{code}": {
            "get": {
                "produces": ["application/json"],
                "parameters": [{"name": "code", "in": "path", "required": True, "type": "string"}],
                "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Empty"}}},
                "x-amazon-apigateway-integration": {
                    "type": "aws_proxy",
                    "httpMethod": "POST",
                    "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn/invocations",
                },
            }
        }
    },
    "definitions": {"Empty": {"type": "object"}},
}


def test_rest_api_crud(aws_client: ClientFactory, unique_name: Callable[[str], str]) -> None:
    client = aws_client("apigateway")
    api = client.create_rest_api(name=unique_name("rest"))
    assert client.get_rest_api(restApiId=api["id"])["name"] == api["name"]
    root = client.get_resources(restApiId=api["id"])["items"][0]
    child = client.create_resource(restApiId=api["id"], parentId=root["id"], pathPart="items")
    assert {r["path"] for r in client.get_resources(restApiId=api["id"])["items"]} == {"/", "/items"}
    client.delete_resource(restApiId=api["id"], resourceId=child["id"])
    client.delete_rest_api(restApiId=api["id"])
    assert api["id"] not in {item["id"] for item in client.get_rest_apis()["items"]}


def test_swagger_2_import_without_description(aws_client: ClientFactory) -> None:
    client = aws_client("apigateway")
    api = client.import_rest_api(body=json.dumps(SWAGGER).encode())
    paths = {r["path"]: r for r in client.get_resources(restApiId=api["id"])["items"]}
    assert {"/", "/stats", "/stats/{code}"} <= set(paths)
    assert "GET" in paths["/stats/{code}"]["resourceMethods"]
    integration = client.get_integration(
        restApiId=api["id"], resourceId=paths["/stats/{code}"]["id"], httpMethod="GET"
    )
    assert integration["type"] == "AWS_PROXY"
    client.delete_rest_api(restApiId=api["id"])
