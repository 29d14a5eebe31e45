"""Loopback names: what a ``Host`` header or a live-link URL may name.

A page on another site can make the browser send requests to 127.0.0.1 under its own name (DNS
rebinding: ``rebind.evil.example`` resolving to 127.0.0.1); such a request is same-origin for the page, so
only the ``Host`` header gives it away. Every server squall runs answers only Hosts that name loopback
(``127.0.0.1``, ``localhost``, ``[::1]``) with its own port.
"""

from __future__ import annotations

from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


def split_host(value: str) -> tuple[str, str]:
    """``("name", "port")`` of a Host header value (port ``""`` when absent)."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return value.lower(), ""
        name, rest = value[: end + 1], value[end + 1 :]
        return name.lower(), rest[1:] if rest.startswith(":") else ""
    name, colon, port = value.rpartition(":")
    if not colon:
        return value.lower(), ""
    return name.lower(), port


def is_loopback_host(value: str | None, port: int) -> bool:
    """Whether a request's Host header names this server on loopback."""
    if not value:
        return False
    name, given = split_host(value)
    if name not in LOOPBACK_NAMES:
        return False
    return given == str(port) or (not given and port == 80)


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` is ``http://`` to a loopback name with an explicit port."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return (
        parts.scheme == "http"
        and host in LOOPBACK_NAMES
        and port is not None
        and not parts.username
        and not parts.password
    )
