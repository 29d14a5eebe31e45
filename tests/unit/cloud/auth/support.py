"""Requests signed by botocore's own signers, turned into what the local cloud's verifier receives."""

from __future__ import annotations

import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from botocore.auth import BaseSigner
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from squall.cloud.auth.keyring import Key, KeyRing, Principal, static_source
from squall.cloud.auth.keys import AccessKey
from squall.cloud.auth.verify import Incoming, Verifier

HOME = AccessKey("AKIAHOMEKEY000000000", "home/secret+key/0123456789abcdefghijklmno")
SESSION = AccessKey(
    "ASIASESSION000000000", "session-secret-0123456789abcdefghijklmno", "FQoGZXIvYXdzEJr//token"
)
SESSION_ARN = "arn:aws:sts::123456789012:assumed-role/writer/fn"
ENDPOINT = "http://127.0.0.1:4590"


def botocore_credentials(key: AccessKey) -> Credentials:
    return Credentials(key.access_key_id, key.secret_access_key, key.session_token)


def keyring(session_expires: float | None = None) -> KeyRing:
    session = Key(
        SESSION.secret_access_key,
        Principal(SESSION_ARN, "assumed-role", SESSION.access_key_id),
        SESSION.session_token,
        session_expires,
    )
    return KeyRing(HOME, static_source({SESSION.access_key_id: session}))


def verifier(clock: float | None = None, session_expires: float | None = None) -> Verifier:
    return Verifier(keyring(session_expires), (lambda: clock) if clock is not None else time.time)


def signed(
    signer: BaseSigner,
    method: str,
    url: str,
    body: bytes | str = b"",
    headers: Mapping[str, str] | list[tuple[str, str]] | None = None,
) -> AWSRequest:
    request = AWSRequest(method=method, url=url, data=body)
    pairs = headers.items() if isinstance(headers, Mapping) else headers or []
    for name, value in pairs:
        request.headers[name] = value  # botocore's headers keep repeated names
    signer.add_auth(request)
    return request


def incoming(request: AWSRequest) -> Incoming:
    """What the local cloud's HTTP server hands over for ``request`` as sent on the wire (every header
    botocore signed, repeated ones included)."""
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    raw = [(str(name), str(value)) for name, value in request.headers.items()]
    if not any(name.lower() == "host" for name, _ in raw):
        raw.append(("Host", parts.netloc))
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = body.read()
    if body and not any(name.lower() == "content-length" for name, _ in raw):
        raw.append(("Content-Length", str(len(body))))
    return from_wire(prepared.method, parts.path or "/", parts.query, raw, body)


def from_wire(method: str, path: str, query: str, raw: list[tuple[str, str]], body: bytes) -> Incoming:
    folded: dict[str, str] = {}
    for name, value in raw:
        key = name.lower()
        folded[key] = f"{folded[key]},{value}" if key in folded else value
    return Incoming(method, path, query, raw, folded, body)
