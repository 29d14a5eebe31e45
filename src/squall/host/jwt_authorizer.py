"""JWT authorizers of HTTP APIs, checked as API Gateway checks them.

API Gateway takes the token from the authorizer's identity source (one header; a ``Bearer `` prefix is
optional), and refuses with ``401 {"message":"Unauthorized"}`` unless: its signature verifies with a key of
the issuer's JWKS (RSA only, found by ``kid``), ``iss`` is the configured issuer, ``aud`` (an ID token) or
``client_id`` (an access token) is one of the configured audiences, and ``exp``, ``nbf`` and ``iat`` hold
now. When the route lists scopes, the token's ``scope`` (or ``scp``) must carry one of them, else
``403 {"message":"Forbidden"}``. The route's function sees ``requestContext.authorizer.jwt.claims``, each
value a string as API Gateway writes them (numbers as digits, lists as ``[a b]``), and ``scopes``.

The keys come from a ``JwksSource``: the local cloud's own Cognito for its pools' issuers, HTTPS (or loopback
HTTP) for any other issuer, through its ``/.well-known/openid-configuration``, kept for a while. A token
naming a key the kept set lacks (the issuer rotated its keys) has them read again, at most once a minute.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ["RS256", "RS384", "RS512"]
JWKS_TTL_SECONDS = 300.0
REFRESH_SECONDS = 60.0
FETCH_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class JwtAuthorizerConfig:
    id: str
    name: str
    identity_source: str
    issuer: str
    audience: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """What an authorizer decided: ``status`` 200 lets the request through with ``context``."""

    status: int
    reason: str
    context: dict[str, Any] | None = None

    @property
    def allowed(self) -> bool:
        return self.status == 200


class JwksSource(Protocol):
    def keys(self, issuer: str, *, refresh: bool = False) -> Mapping[str, Any] | None:
        """The issuer's JWKS document, or None when it cannot be had; ``refresh``: read again if allowed."""
        ...


class HttpJwks:
    """JWKS of foreign issuers, found through their OpenID configuration, cached for ``ttl`` seconds."""

    def __init__(
        self,
        fetch: Callable[[str], bytes] | None = None,
        clock: Callable[[], float] = time.monotonic,
        ttl: float = JWKS_TTL_SECONDS,
    ) -> None:
        self._fetch = fetch or _fetch
        self._clock = clock
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Mapping[str, Any]]] = {}
        self._lock = threading.Lock()

    def keys(self, issuer: str, *, refresh: bool = False) -> Mapping[str, Any] | None:
        with self._lock:
            cached = self._cache.get(issuer)
            if cached is not None:
                age = self._clock() - cached[0]
                if age < self._ttl and not (refresh and age >= REFRESH_SECONDS):
                    return cached[1]
        if not _fetchable(issuer):
            return None
        try:
            configuration = json.loads(self._fetch(issuer.rstrip("/") + "/.well-known/openid-configuration"))
            jwks_uri = str(configuration["jwks_uri"])
            if not _fetchable(jwks_uri):
                return None
            document = json.loads(self._fetch(jwks_uri))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        with self._lock:
            self._cache[issuer] = (self._clock(), document)
        return document  # type: ignore[no-any-return]


def _fetchable(url: str) -> bool:
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    return parts.scheme == "https" or (parts.scheme == "http" and loopback)


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
        body: bytes = response.read(1 << 20)
        return body


def token_from(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value or None


def check_jwt(
    config: JwtAuthorizerConfig,
    header_value: str | None,
    scopes: Sequence[str],
    source: JwksSource,
    now: float,
) -> Verdict:
    """Verify the token of one request against ``config`` and the route's ``scopes``."""
    token = token_from(header_value)
    if token is None:
        return Verdict(401, f"no token in {config.identity_source}")
    document = source.keys(config.issuer)
    if document is not None and _kid(token) not in _kids(document):
        document = source.keys(config.issuer, refresh=True)
    if document is None:
        return Verdict(401, f"the keys of the issuer {config.issuer} could not be read")
    try:
        decoded = jwt.decode(token, _key_set(document), algorithms=ALGORITHMS)
    except (JoseError, ValueError, TypeError) as exc:
        return Verdict(401, f"the token does not verify ({type(exc).__name__}: {exc})")
    claims: dict[str, Any] = dict(decoded.claims)
    problem = _claims_problem(config, claims, now)
    if problem is not None:
        return Verdict(401, problem, {"jwt": {"claims": string_claims(claims), "scopes": None}})
    granted = _scopes(claims)
    if scopes and not set(scopes) & set(granted):
        return Verdict(
            403,
            f"the token's scopes {granted} include none of the route's {list(scopes)}",
            {"jwt": {"claims": string_claims(claims), "scopes": granted}},
        )
    return Verdict(200, "valid token", {"jwt": {"claims": string_claims(claims), "scopes": granted or None}})


_KEY_SETS: dict[int, tuple[Mapping[str, Any], KeySet]] = {}
_KEY_SETS_LOCK = threading.Lock()


def _key_set(document: Mapping[str, Any]) -> KeySet:
    """The keys of a JWKS document, imported once per document object (sources hand out the one they keep)."""
    with _KEY_SETS_LOCK:
        kept = _KEY_SETS.get(id(document))
        if kept is not None and kept[0] is document:
            return kept[1]
    keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
    with _KEY_SETS_LOCK:
        if len(_KEY_SETS) >= 256:
            _KEY_SETS.clear()
        _KEY_SETS[id(document)] = (document, keys)
    return keys


def _kid(token: str) -> object:
    try:
        padded = token.split(".", 1)[0] + "=" * (-len(token.split(".", 1)[0]) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError):
        return None
    return header.get("kid") if isinstance(header, dict) else None


def _kids(document: Mapping[str, Any]) -> list[object]:
    keys = document.get("keys")
    return [key.get("kid") for key in keys if isinstance(key, dict)] if isinstance(keys, list) else []


def _claims_problem(config: JwtAuthorizerConfig, claims: Mapping[str, Any], now: float) -> str | None:
    if claims.get("iss") != config.issuer:
        return f"the token's issuer {claims.get('iss')!r} is not {config.issuer!r}"
    audiences = claims.get("aud", claims.get("client_id"))
    listed = audiences if isinstance(audiences, list) else [audiences]
    if not any(isinstance(a, str) and a in config.audience for a in listed):
        return f"the token's audience {audiences!r} is none of {list(config.audience)}"
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires <= now:
        return "the token has expired" if isinstance(expires, int | float) else "the token has no exp"
    for name in ("nbf", "iat"):
        moment = claims.get(name)
        if moment is not None and (not isinstance(moment, int | float) or moment > now):
            return f"the token's {name} is in the future"
    return None


def _scopes(claims: Mapping[str, Any]) -> list[str]:
    raw = claims.get("scope", claims.get("scp"))
    if isinstance(raw, str):
        return raw.split()
    if isinstance(raw, list):
        return [str(item) for item in raw]
    return []


def string_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway hands them to the function: every value a string."""
    return {name: _string(value) for name, value in claims.items()}


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
