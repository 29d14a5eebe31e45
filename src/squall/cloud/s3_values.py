"""moto's S3 key values, held in memory when small and in squall's body files when large.

moto keeps each key's value in a ``SpooledTemporaryFile`` and pickles it by reading it into memory
(``FakeKey.__getstate__``). Here, behind moto's own ``FakeKey.value`` property, a value is a
``BytesIO`` up to ``bodies.SPOOL_AT`` and a ``BodyFile`` above it, and a key pickles a large value as
the ``BodyRef`` naming its file, so snapshots never hold large bodies and restoring one reads none.

A request whose body the HTTP server streamed to disk hands moto an empty body inside ``adopting``:
the key moto then creates with an empty value takes the streamed file instead (its size and MD5
ETag come from the stream), so the body is never read back into memory on its way in. On its way out,
a GetObject served inside ``lazily`` gets a ``BodySlice`` for moto to measure and slice, which the HTTP
server sends from the file. A completed multipart upload's value is its parts' files concatenated
into a new body file (``s3_multipart.py``).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from squall.cloud import s3_multipart
from squall.cloud.bodies import SPOOL_AT, BodyFile, BodyRef, BodySlice, BodyStore

_pending = threading.local()
_store: BodyStore | None = None


@dataclass
class Adoption:
    adopted: bool = False


@contextmanager
def adopting(body: BodyFile | None) -> Iterator[Adoption]:
    """Within the block (on this thread), the first key given an empty value takes ``body``."""
    adoption = Adoption()
    _pending.body, _pending.adoption = body, adoption
    try:
        yield adoption
    finally:
        _pending.body = _pending.adoption = None


@contextmanager
def lazily(enabled: bool = True) -> Iterator[None]:
    """Within the block (on this thread), a large value reads as a ``BodySlice`` of its file, not bytes."""
    _pending.lazy = enabled
    try:
        yield
    finally:
        _pending.lazy = False


def install(store: BodyStore) -> None:
    """Route moto's ``FakeKey`` values through ``store`` (idempotent; the latest store wins)."""
    global _store
    from moto.s3.models import FakeKey, FakeMultipart

    _store = store
    key_class: Any = FakeKey
    if getattr(key_class, "squall_values", False):
        return
    import moto.s3.models as models

    vars(models)["os"] = _SeededOs()
    key_class.value = property(_get_value, _set_value)
    key_class.__getstate__ = _getstate
    key_class.__setstate__ = _setstate
    key_class.squall_values = True
    multipart_class: Any = FakeMultipart
    moto_complete = multipart_class.complete

    def complete(multipart: Any, body: Any) -> Any:
        if _store is None:
            return moto_complete(multipart, body)
        return s3_multipart.complete(multipart, body, _store)

    multipart_class.squall_moto_complete = moto_complete
    multipart_class.complete = complete


class _SeededOs:
    """What moto's S3 models see as ``os``: multipart upload ids come from moto's seeded generator
    (``os.urandom`` otherwise), so replaying a journal recreates the same ids and its UploadParts apply."""

    def __getattr__(self, name: str) -> Any:
        import os

        return getattr(os, name)

    @staticmethod
    def urandom(size: int) -> bytes:
        from moto.moto_api._internal import mock_random

        return bytes(mock_random.randbytes(size))


def _get_value(key: Any) -> bytes | BodySlice:
    buffer = key._value_buffer
    if isinstance(buffer, BodyFile) and getattr(_pending, "lazy", False):
        return BodySlice(buffer)
    with key.lock:
        buffer.seek(0)
        return bytes(buffer.read())


def _set_value(key: Any, value: bytes | str | BodyFile) -> None:
    previous = key.__dict__.get("_value_buffer")
    if previous is not None and not isinstance(previous, (BodyFile, io.BytesIO)):
        previous.close()  # the SpooledTemporaryFile moto's FakeKey starts with
    if isinstance(value, BodyFile):  # a completed multipart upload, already in its own file
        key._value_buffer = value
        key.contentsize = value.ref.size
        return
    if isinstance(value, str):
        value = value.encode("utf-8")
    body: BodyFile | None = getattr(_pending, "body", None)
    if body is not None and not value:
        _pending.body = None
        _pending.adoption.adopted = True
        key._value_buffer = body
        key.contentsize = body.ref.size
        key._etag = key._etag or body.ref.md5
        return
    if len(value) > SPOOL_AT and _store is not None:
        stored = _store.store(value)
        key._value_buffer = stored
        key._etag = key._etag or stored.ref.md5
    else:
        key._value_buffer = io.BytesIO(value)
    key.contentsize = len(value)


def _getstate(key: Any) -> dict[str, Any]:
    state: dict[str, Any] = dict(key.__dict__)
    buffer = state.pop("_value_buffer", None)
    state.pop("lock", None)
    if isinstance(buffer, BodyFile):
        state["value"] = buffer.ref
    else:
        try:
            state["value"] = buffer.getvalue() if buffer is not None else b""
        except ValueError:  # a disposed key's buffer is closed
            state["value"] = b""
    return state


def _setstate(key: Any, state: dict[str, Any]) -> None:
    value = state["value"]
    key.__dict__.update({k: v for k, v in state.items() if k != "value"})
    key.lock = threading.Lock()
    if isinstance(value, BodyRef):
        if _store is None:
            raise RuntimeError("a snapshot refers to a body file, but no body store is installed")
        key._value_buffer = _store.open(value)
    else:
        key._value_buffer = io.BytesIO(value if isinstance(value, bytes) else str(value).encode())
