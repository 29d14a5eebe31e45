"""``Resource.<Bucket>``: objects by key, listings that page by themselves, and presigned URLs.

Presigned URLs are signed with the function's own credentials, so whoever holds one can do exactly that
one thing, until it expires. ``.client`` is the raw boto3 S3 client, for everything else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from squall.binding.clients import aws
from squall.binding.clients.base import BoundResource

if TYPE_CHECKING:
    from datetime import datetime


class StoredObject(NamedTuple):
    """One object read with ``get``: its bytes and what S3 keeps about it."""

    key: str
    body: bytes
    content_type: str
    etag: str
    metadata: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class ObjectSummary(NamedTuple):
    """One entry of ``list``."""

    key: str
    size: int
    etag: str
    last_modified: datetime


class BucketClient(BoundResource):
    """One bound S3 bucket."""

    @property
    def bucket_name(self) -> str:
        return self._field("bucket_name")

    @property
    def arn(self) -> str:
        return self._field("arn")

    @property
    def client(self) -> Any:
        """The boto3 S3 client."""
        return aws.client("s3")

    def put(
        self,
        key: str,
        body: bytes | str | IO[bytes],
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        """Store ``body`` (text is stored as UTF-8) under ``key``; returns the new object's ETag."""
        params: dict[str, Any] = {
            "Bucket": self.bucket_name,
            "Key": key,
            "Body": body.encode("utf-8") if isinstance(body, str) else body,
        }
        if content_type is not None:
            params["ContentType"] = content_type
        elif isinstance(body, str):
            params["ContentType"] = "text/plain; charset=utf-8"
        if metadata:
            params["Metadata"] = dict(metadata)
        return str(self.client.put_object(**params)["ETag"])

    def get(self, key: str) -> StoredObject | None:
        """The object under ``key``, or None if there is none."""
        client = self.client
        try:
            found = client.get_object(Bucket=self.bucket_name, Key=key)
        except client.exceptions.NoSuchKey:
            return None
        with found["Body"] as stream:
            body = stream.read()
        return StoredObject(
            key=key,
            body=body,
            content_type=str(found.get("ContentType", "binary/octet-stream")),
            etag=str(found.get("ETag", "")),
            metadata=dict(found.get("Metadata") or {}),
        )

    def delete(self, key: str) -> None:
        """Delete the object under ``key`` (nothing happens if there is none, as in S3)."""
        self.client.delete_object(Bucket=self.bucket_name, Key=key)

    def list(self, prefix: str = "", *, limit: int | None = None) -> Iterator[ObjectSummary]:
        """The objects whose key starts with ``prefix``, in key order, page after page."""
        paginator = self.client.get_paginator("list_objects_v2")
        pagination = {"MaxItems": limit} if limit is not None else {}
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=prefix, PaginationConfig=pagination):
            for entry in page.get("Contents", []):
                yield ObjectSummary(
                    key=str(entry["Key"]),
                    size=int(entry["Size"]),
                    etag=str(entry.get("ETag", "")),
                    last_modified=entry["LastModified"],
                )

    def presign_get(self, key: str, *, expires_in: int = 3600) -> str:
        """A URL that downloads ``key`` with a plain GET, for ``expires_in`` seconds."""
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket_name, "Key": key}, ExpiresIn=expires_in
            )
        )

    def presign_put(self, key: str, *, expires_in: int = 3600, content_type: str | None = None) -> str:
        """A URL that uploads to ``key`` with a plain PUT (sending ``content_type``, if given)."""
        params = {"Bucket": self.bucket_name, "Key": key}
        if content_type is not None:
            params["ContentType"] = content_type
        return str(self.client.generate_presigned_url("put_object", Params=params, ExpiresIn=expires_in))
