"""The url-shortener example deployed, verified resource by resource, changed, and removed."""

from __future__ import annotations

import json
from pathlib import Path

from squall.deploy import Clients, deploy, diff, outputs, remove
from tests.integration.deploy.helpers import edit, leftovers, load

ROUTES = {"POST /shorten": "shorten", "GET /{code}": "redirect", "GET /stats/{code}": "stats"}
FUNCTIONS = {
    "POST /shorten": "ApiPostShorten",
    "GET /{code}": "ApiGetCode",
    "GET /stats/{code}": "ApiGetStatsCode",
}


def test_deploy_verify_change_and_remove(shortener: Path, stage: str, clients: Clients) -> None:
    project = load(shortener, stage)
    prefix = f"url-shortener-{stage}-"
    result = deploy(project, clients=clients)
    assert set(result.outcomes.values()) == {"created"}
    assert len(result.outcomes) == len(project.graph.resources)

    # functions: handler, runtime, role, environment
    lam, iam = clients("lambda"), clients("iam")
    account = clients("sts").get_caller_identity()["Account"]
    table_arn = f"arn:aws:dynamodb:us-east-1:{account}:table/{prefix}Urls"
    for key, module in ROUTES.items():
        name = prefix + FUNCTIONS[key]
        config = lam.get_function_configuration(FunctionName=name)
        assert config["Handler"] == f"functions.{module}.handler"
        assert config["Runtime"] == "python3.12"
        assert config["Timeout"] == 10 and config["MemorySize"] == 1024
        assert config["Role"] == iam.get_role(RoleName=name)["Role"]["Arn"]
        env = config["Environment"]["Variables"]
        assert env["SQUALL_APP"] == "url-shortener" and env["SQUALL_STAGE"] == stage
        assert json.loads(env["SQUALL_RESOURCE_Urls"]) == {
            "arn": table_arn,
            "tableName": f"{prefix}Urls",
            "key": ["shortCode"],
            "type": "Table",
        }
        policy = iam.get_role_policy(RoleName=name, PolicyName="squall-function")["PolicyDocument"]
        resources = [r for s in policy["Statement"] for r in s["Resource"]]
        assert table_arn in resources and f"{table_arn}/index/*" in resources
        groups = clients("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
        assert [g["retentionInDays"] for g in groups] == [14]
        statement = json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]
        assert [s["Principal"]["Service"] for s in statement] == ["apigateway.amazonaws.com"]

    # table keys, on-demand
    table = clients("dynamodb").describe_table(TableName=f"{prefix}Urls")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "shortCode", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    # api, stage, routes → integrations → functions
    apigw = clients("apigatewayv2")
    api = next(a for a in apigw.get_apis()["Items"] if a["Name"] == f"{prefix}Api")
    assert api["CorsConfiguration"]["AllowOrigins"] == ["*"]
    assert result.outputs == {"ApiEndpoint": api["ApiEndpoint"]}
    assert outputs(project, clients=clients) == result.outputs
    stages = apigw.get_stages(ApiId=api["ApiId"])["Items"]
    assert [(s["StageName"], s["AutoDeploy"]) for s in stages] == [("$default", True)]
    integrations = {i["IntegrationId"]: i for i in apigw.get_integrations(ApiId=api["ApiId"])["Items"]}
    routes = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]}
    assert set(routes) == set(ROUTES)
    for key, route in routes.items():
        integration = integrations[route["Target"].removeprefix("integrations/")]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert integration["PayloadFormatVersion"] == "2.0"
        assert integration["IntegrationUri"].endswith(f":function:{prefix}{FUNCTIONS[key]}")

    # redeploy: nothing to do
    assert diff(project, clients=clients).is_empty
    assert deploy(project, clients=clients).outcomes == {}

    # a handler file: code updates only
    config_before = lam.get_function_configuration(FunctionName=f"{prefix}ApiGetCode")
    (shortener / "functions" / "redirect.py").write_text(
        (shortener / "functions" / "redirect.py").read_text() + "\n# edited\n"
    )
    project = load(shortener, stage)
    plan = diff(project, clients=clients)
    assert {s.logical_id: s.changes for s in plan.steps} == {
        f: ("Code",) for f in ("ApiGetCode", "ApiGetStatsCode", "ApiPostShorten")
    }
    deploy(project, clients=clients)
    config_after = lam.get_function_configuration(FunctionName=f"{prefix}ApiGetCode")
    assert config_after["CodeSha256"] != config_before["CodeSha256"]

    # an environment variable: one function's configuration
    config_file = shortener / "squall.config.py"
    edit(
        config_file,
        '"POST /shorten": "functions/shorten.handler",',
        '"POST /shorten": {"function": {"handler": "functions/shorten.handler", "environment": {"MODE": "x"}}},',
    )
    project = load(shortener, stage)
    plan = diff(project, clients=clients)
    assert [(s.logical_id, s.action, s.changes) for s in plan.steps] == [
        ("ApiPostShorten", "update", ("Environment",))
    ]
    deploy(project, clients=clients)
    env = lam.get_function_configuration(FunctionName=f"{prefix}ApiPostShorten")["Environment"]["Variables"]
    assert env["MODE"] == "x"

    # a route's function: the route's function changes handler only
    edit(
        config_file,
        '"GET /stats/{code}": "functions/stats.handler"',
        '"GET /stats/{code}": "functions/redirect.handler"',
    )
    project = load(shortener, stage)
    plan = diff(project, clients=clients)
    assert [(s.logical_id, s.changes) for s in plan.steps] == [("ApiGetStatsCode", ("Handler",))]
    deploy(project, clients=clients)

    # a new route: its function, role, log group, integration, permission and route
    edit(
        config_file,
        '"GET /{code}": "functions/redirect.handler",',
        '"GET /{code}": "functions/redirect.handler",\n            "DELETE /{code}": "functions/stats.handler",',
    )
    project = load(shortener, stage)
    plan = diff(project, clients=clients)
    assert {s.logical_id: s.action for s in plan.steps} == {
        f"ApiDeleteCode{suffix}": "create"
        for suffix in ("", "Role", "LogGroup", "Integration", "Permission", "Route")
    }
    deploy(project, clients=clients)
    assert "DELETE /{code}" in {r["RouteKey"] for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]}

    # the route removed again: exactly those resources go
    edit(config_file, '\n            "DELETE /{code}": "functions/stats.handler",', "")
    project = load(shortener, stage)
    assert {s.action for s in deploy(project, clients=clients).plan.steps} == {"delete"}
    assert "DELETE /{code}" not in {r["RouteKey"] for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]}

    # a global index, added in place
    edit(
        config_file,
        'fields={"shortCode": "string", ',
        'global_indexes={"ByUrl": {"partition_key": "url"}},\n        fields={"url": "string", "shortCode": "string", ',
    )
    project = load(shortener, stage)
    plan = diff(project, clients=clients)
    # the table in place; the functions bound to it learn the index (Resource.Urls.query(..., index="ByUrl"))
    assert {s.logical_id: s.action for s in plan.steps} == {
        "Urls": "update",
        **{f"Api{name}": "update" for name in ("PostShorten", "GetCode", "GetStatsCode")},
    }
    deploy(project, clients=clients)
    table = clients("dynamodb").describe_table(TableName=f"{prefix}Urls")["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["ByUrl"]
    assert diff(project, clients=clients).is_empty

    remove(project, clients=clients)
    assert leftovers(clients, prefix) == {}
    assert diff(project, clients=clients).actions() == {
        r.logical_id: "create" for r in project.graph.resources
    }
