"""A foreign OpenID issuer on loopback for JWT authorizer tests: its JWKS over HTTP and tokens it signs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


@dataclass
class Issuer:
    url: str
    key: RSAKey
    requests: list[str]

    def token(self, key: RSAKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": self.url, "sub": "partner-user", "iat": now, "exp": now + 600, **claims}
        signer = key or self.key
        return jwt.encode({"alg": "RS256", "kid": str(signer.kid)}, payload, signer)


@contextmanager
def loopback_issuer() -> Iterator[Issuer]:
    """An issuer at ``http://127.0.0.1:PORT`` serving its OpenID configuration and JWKS, stopped after."""
    key = RSAKey.generate_key(2048, parameters={"kid": "partner-1"})
    public = json.dumps(KeySet([key]).as_dict(private=False)).encode()
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            host = f"http://127.0.0.1:{self.server.server_port}"  # type: ignore[attr-defined]
            if self.path == "/.well-known/openid-configuration":
                body = json.dumps({"issuer": host, "jwks_uri": f"{host}/jwks.json"}).encode()
            elif self.path == "/jwks.json":
                body = public
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Issuer(f"http://127.0.0.1:{server.server_address[1]}", key, requests)
    finally:
        server.shutdown()
        server.server_close()
