"""``AWS::S3::Bucket`` with its notification configuration (functions run on object events).

Deleting a bucket empties it first (every version), since a stage's removal must leave nothing behind.
"""

from __future__ import annotations

from typing import Any

from squall.deploy.errors import error_code
from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext, not_found


def _current(name: str) -> Current:
    return Current(
        name, {"Arn": f"arn:aws:s3:::{name}", "Ref": name, "DomainName": f"{name}.s3.amazonaws.com"}
    )


def notification_configuration(props: dict[str, JSON]) -> dict[str, Any]:
    """The graph's CloudFormation spelling → S3's ``PutBucketNotificationConfiguration`` spelling."""
    cfn = props.get("NotificationConfiguration") or {}
    configurations = []
    for item in cfn.get("LambdaConfigurations", []):
        entry: dict[str, Any] = {"LambdaFunctionArn": item["Function"], "Events": [item["Event"]]}
        if item.get("Filter"):
            entry["Filter"] = {"Key": {"FilterRules": item["Filter"]["S3Key"]["Rules"]}}
        configurations.append(entry)
    return {"LambdaFunctionConfigurations": configurations} if configurations else {}


class BucketProvider(Provider):
    type = "AWS::S3::Bucket"
    replace_on = frozenset({"BucketName"})
    holds_data = True

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        name = physical_id or physical_name or props["BucketName"]
        try:
            ctx.call("s3", "head_bucket", Bucket=name)
        except Exception as exc:
            if not_found(exc, "NoSuchBucket"):
                return None
            raise
        return _current(name)

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        name = props["BucketName"]
        kwargs: dict[str, Any] = {"Bucket": name}
        if ctx.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
        try:
            ctx.call("s3", "create_bucket", **kwargs)
        except Exception as exc:
            if error_code(exc) != "BucketAlreadyOwnedByYou":
                raise
        self._notifications(ctx, name, props)
        return _current(name)

    def _notifications(self, ctx: ProviderContext, name: str, props: dict[str, JSON]) -> None:
        ctx.call(
            "s3",
            "put_bucket_notification_configuration",
            Bucket=name,
            NotificationConfiguration=notification_configuration(props),
        )

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        self._notifications(ctx, current.physical_id, new)
        return current

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        try:
            empty_bucket(ctx, physical_id)
            ctx.call("s3", "delete_bucket", Bucket=physical_id)
        except Exception as exc:
            if not not_found(exc, "NoSuchBucket"):
                raise


def empty_bucket(ctx: ProviderContext, name: str) -> None:
    paginator = ctx.clients("s3").get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=name):
        objects = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for start in range(0, len(objects), 1000):
            ctx.call(
                "s3",
                "delete_objects",
                Bucket=name,
                Delete={"Objects": objects[start : start + 1000], "Quiet": True},
            )
