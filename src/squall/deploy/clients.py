"""boto3 clients for a target: ``local`` (the local cloud's endpoint, with the key pair it issued for
``$SQUALL_HOME``) or ``aws`` (the default credential chain).

One code path serves both; they differ only by endpoint and credentials. ``Clients`` makes each service's
client once (boto3 clients are thread-safe; sessions are not, so creation is serialized).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from squall.cloud import AccessKey

Target = Literal["local", "aws"]


class Clients:
    """``clients("lambda")`` → a boto3 client for the target."""

    def __init__(
        self,
        make: Callable[[str], Any],
        *,
        target: Target,
        region: str,
        endpoint: str | None,
        credentials: AccessKey | None = None,
    ) -> None:
        self._make = make
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.target: Target = target
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
        """The local cloud's key pair the clients sign with (None for AWS's default chain)."""

    def __call__(self, service: str) -> Any:
        with self._lock:
            client = self._cache.get(service)
            if client is None:
                client = self._make(service)
                self._cache[service] = client
            return client


@dataclass(frozen=True)
class ClientOptions:
    max_pool: int = 32
    connect_timeout: int = 5
    read_timeout: int = 60
    attempts: int = 5
    """botocore's tries per call (the first included)."""


DEPLOY_OPTIONS = ClientOptions(attempts=2)
"""For the deployer's commands: their ``Retrier`` does the waiting (and bounds a dead target's to 10 s), so
botocore tries each call only twice (a second try covers a pooled connection the server had closed)."""


def boto3_clients(
    *,
    target: Target,
    region: str,
    endpoint: str | None = None,
    options: ClientOptions | None = None,
    credentials: AccessKey | None = None,
) -> Clients:
    """Clients for ``endpoint`` (the local cloud) or, without one, AWS through the default session.

    For the local cloud they sign with ``credentials``, by default the key pair of ``$SQUALL_HOME``'s
    local cloud (``squall.cloud.credentials()``); pass another home's to talk to its cloud.

    Made with botocore directly: the deployer needs no boto3 resources, and not importing boto3 (and the
    s3transfer it brings) takes a tenth of a second off every command.
    """
    import botocore.config
    import botocore.session

    options = options or ClientOptions()
    config = botocore.config.Config(
        s3={"addressing_style": "path"} if endpoint else {},
        retries={"total_max_attempts": options.attempts, "mode": "standard"},
        max_pool_connections=options.max_pool,
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
    )
    session = botocore.session.get_session()
    if endpoint and credentials is None:
        from squall.cloud import credentials as local_credentials

        credentials = local_credentials()
    key = credentials.access_key_id if credentials else None
    secret = credentials.secret_access_key if credentials else None
    token = credentials.session_token if credentials else None
    lock = threading.Lock()

    def make(service: str) -> Any:
        with lock:
            return session.create_client(
                service,
                region_name=region,
                endpoint_url=endpoint,
                config=config,
                aws_access_key_id=key,
                aws_secret_access_key=secret,
                aws_session_token=token,
            )

    return Clients(make, target=target, region=region, endpoint=endpoint, credentials=credentials)


def clients_for(target: Target, region: str, options: ClientOptions | None = None) -> Clients:
    """The clients of ``target``; for ``local`` the local cloud is started first when not running."""
    if target == "local":
        from squall.cloud import ensure_running

        info = ensure_running()
        return boto3_clients(target="local", region=region, endpoint=info.endpoint, options=options)
    return boto3_clients(target="aws", region=region, options=options)
