"""Helpers for the deploy integration tests: load a project, edit its files, find leftovers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from squall.config import load_project
from squall.config.loader import Project


def load(root: Path, stage: str) -> Project:
    return load_project(root / "squall.config.py", stage)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def leftovers(client: Callable[[str], Any], prefix: str) -> dict[str, list[str]]:
    """Everything in any service whose name starts with ``prefix`` (``{app}-{stage}-``)."""
    found: dict[str, list[str]] = {}
    lam = client("lambda")
    found["functions"] = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    found["roles"] = [r["RoleName"] for r in client("iam").list_roles()["Roles"]]
    found["tables"] = client("dynamodb").list_tables()["TableNames"]
    found["apis"] = [a["Name"] for a in client("apigatewayv2").get_apis()["Items"]]
    groups = client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{prefix}")["logGroups"]
    found["log groups"] = [g["logGroupName"].removeprefix("/aws/lambda/") for g in groups]
    found["buckets"] = [b["Name"] for b in client("s3").list_buckets()["Buckets"]]
    found["queues"] = [u.rsplit("/", 1)[-1] for u in client("sqs").list_queues().get("QueueUrls", [])]
    found["topics"] = [t["TopicArn"].rsplit(":", 1)[-1] for t in client("sns").list_topics()["Topics"]]
    found["rules"] = [r["Name"] for r in client("events").list_rules()["Rules"]]
    pools = client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    found["user pools"] = [p["Name"] for p in pools]
    mappings = lam.list_event_source_mappings()["EventSourceMappings"]
    found["mappings"] = [m["FunctionArn"].rsplit(":", 1)[-1] for m in mappings]
    subscriptions = client("sns").list_subscriptions()["Subscriptions"]
    found["subscriptions"] = [s["TopicArn"].rsplit(":", 1)[-1] for s in subscriptions]
    try:  # the invocation records the console reads: one stream per function, in a shared group
        streams = client("logs").describe_log_streams(
            logGroupName="/squall/invocations", logStreamNamePrefix=prefix
        )
        found["invocation records"] = [st["logStreamName"] for st in streams["logStreams"]]
    except client("logs").exceptions.ResourceNotFoundException:
        pass
    lower = prefix.lower()
    return {
        kind: sorted(n for n in names if n.startswith(prefix) or n.startswith(lower))
        for kind, names in found.items()
        if any(n.startswith(prefix) or n.startswith(lower) for n in names)
    }
