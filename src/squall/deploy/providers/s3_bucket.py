"""``AWS::S3::Bucket`` with its notification configuration (functions run on object events).

Deleting a bucket empties it first (every version), since a stage's removal must leave nothing behind.
Bucket names are global: one that exists in another account is reported as taken, never touched.
"""

from __future__ import annotations

from typing import Any

from squall.deploy.errors import NotOwned, error_code
from squall.deploy.ownership import as_tag_list, from_tag_list
from squall.deploy.providers.base import (
    JSON,
    Current,
    Provider,
    ProviderContext,
    ensure_owned,
    not_found,
    not_owned_hint,
)

FORBIDDEN = ("AccessDenied", "403", "Forbidden", "AllAccessDisabled")


def _current(name: str, tags: dict[str, str] | None = None) -> Current:
    return Current(
        name,
        {"Arn": f"arn:aws:s3:::{name}", "Ref": name, "DomainName": f"{name}.s3.amazonaws.com"},
        tags=tags,
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
    taggable = True

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
            tags = self._tags(ctx, name)
        except Exception as exc:
            if not_found(exc, "NoSuchBucket"):
                return None
            if error_code(exc) in FORBIDDEN:
                raise NotOwned(
                    f"{logical_id} ({name}, {self.type}): the bucket name is taken by another AWS account "
                    "(bucket names are global)",
                    hint=not_owned_hint(ctx),
                ) from exc
            raise
        return _current(name, tags)

    def _tags(self, ctx: ProviderContext, name: str) -> dict[str, str]:
        try:
            return from_tag_list(ctx.call("s3", "get_bucket_tagging", Bucket=name)["TagSet"])
        except Exception as exc:
            if error_code(exc) == "NoSuchTagSet":
                return {}
            raise

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        return self._tags(ctx, current.physical_id)

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        merged = {**self._tags(ctx, current.physical_id), **tags}
        ctx.call(
            "s3", "put_bucket_tagging", Bucket=current.physical_id, Tagging={"TagSet": as_tag_list(merged)}
        )

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        name = props["BucketName"]
        configuration: dict[str, Any] = {"Tags": as_tag_list(ctx.tags)}
        if ctx.region != "us-east-1":
            configuration["LocationConstraint"] = ctx.region
        try:
            ctx.call("s3", "create_bucket", Bucket=name, CreateBucketConfiguration=configuration)
        except Exception as exc:
            if error_code(exc) != "BucketAlreadyOwnedByYou":
                raise
            # Made since the plan was read: ours only if it carries the stage's tags.
            ensure_owned(self, ctx, logical_id, _current(name))
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
