"""The embedded local cloud: an AWS-compatible endpoint on 127.0.0.1, port 4590 by default.

One HTTP endpoint serves DynamoDB (with streams), S3, SQS, SNS, IAM, STS, the Lambda and API
Gateway v2 control planes, EventBridge, CloudWatch Logs and SSM through moto's backends. Requests must
be signed (SigV4) with the key pair the local cloud issues for its home: ``credentials(home)`` returns
it (``squall cloud env`` prints it for other tools); with it and
``AWS_ENDPOINT_URL=http://127.0.0.1:4590``, plain boto3 works against it.
Every acknowledged change survives a crash of the daemon (``store.py``), and plugins can claim
operations and run background services (``plugins.py``).

The port is, in order: the ``port`` argument, ``$SQUALL_CLOUD_PORT``, the port this home used last, 4590.
The data lives in ``<home>/cloud`` where ``home`` defaults to ``$SQUALL_HOME`` or ``~/.squall``. The daemon
reads ``$SQUALL_CLOUD_DURABILITY`` (``default`` or ``strict``; see ``server.resolve_durability``),
``$SQUALL_CLOUD_COMPACT_EVERY`` (journaled requests between snapshots, default 2000),
``$SQUALL_CLOUD_FLUSH_EVERY`` (seconds between the default mode's ``fsync``s, default 1),
``$SQUALL_CLOUD_READ_TIMEOUT``, ``$SQUALL_CLOUD_IDLE_TIMEOUT`` and ``$SQUALL_CLOUD_MAX_CONNECTIONS``
(``http.Limits``), and, for tests, ``$SQUALL_CLOUD_FSYNC_LOG``.

Map of the package: ``daemon`` (start/stop/status from other processes) → ``server`` (the daemon
process) → ``http`` → ``app`` (through the front door in ``auth``: Host, Origin, signature) → ``core``
(lock, journal, plugin claims) → ``moto_bridge`` (moto's handlers); ``operations`` names requests,
``journal``/``record``/``snapshot``/``store`` make state durable (``bodies`` and ``s3_values`` keep large
S3 bodies in their own files), ``progress`` lets other processes follow a long start or stop, ``clock``
and ``lambda_stub`` adapt moto.
"""

from __future__ import annotations

from squall.cloud.auth.keys import AccessKey, credentials
from squall.cloud.daemon import ensure_running, reset, start, status, stop
from squall.cloud.info import DEFAULT_PORT, CloudInfo

__all__ = [
    "DEFAULT_PORT",
    "AccessKey",
    "CloudInfo",
    "credentials",
    "ensure_running",
    "reset",
    "start",
    "status",
    "stop",
]
