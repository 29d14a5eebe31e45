"""A journaled request: everything needed to replay it exactly.

Besides the HTTP request itself, a record keeps the seed moto's random generator was given before
the request ran and the wall-clock time it ran at. Replaying with both restores the same generated
ids (SQS receipt handles, message ids, ARNs with random parts) and the same timestamps (SQS
visibility deadlines), so a request journaled later, like a ``DeleteMessage`` carrying a receipt
handle, finds the same state it found the first time.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass

_VERSION = 1


@dataclass(frozen=True)
class Record:
    seed: int
    at: float
    service: str
    region: str
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def encode(self) -> bytes:
        fields = (
            _VERSION,
            self.seed,
            self.at,
            self.service,
            self.region,
            self.method,
            self.path,
            self.query,
            self.headers,
            self.body,
        )
        return pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def decode(cls, payload: bytes) -> Record:
        fields = pickle.loads(payload)
        if not isinstance(fields, tuple) or not fields or fields[0] != _VERSION:
            raise ValueError("unknown journal record version")
        _, seed, at, service, region, method, path, query, headers, body = fields
        return cls(seed, at, service, region, method, path, query, tuple(headers), body)
