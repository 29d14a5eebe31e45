"""Snapshots: moto's backend state for the served services, pickled, checksummed and authenticated.

A snapshot file is::

    magic (8 bytes) | pickle | metadata (JSON) | metadata length (4) | crc32c of all before (4) | HMAC-SHA256 (32)

The metadata names the snapshot format, the squall, moto and Python versions that wrote it, the first
journal segment and request number after it, and the body files it refers to. It follows the pickle so
that a snapshot streams straight to disk. The HMAC's key is this home's ``snapshot.key`` (0600), so a
snapshot that was changed, or that another home wrote, is refused before a byte of it is unpickled:
``verify`` checks the HMAC first (the CRC then tells damage from a foreign key, for the message), then
the versions, and only then does ``load`` unpickle.

moto's models pickle (S3 keys define ``__getstate__`` for their spooled buffers) except for a few
runtime helpers, which the ``_StatePickler`` rebuilds instead of storing: locks and conditions come
back fresh, a ``WeakValueDictionary`` comes back with the same entries, and a ``defaultdict`` whose
factory is a lambda comes back with an equivalent named factory.

The live ``BackendDict`` objects are never replaced: response classes hold references to them.
A snapshot stores their contents; loading clears each live dict and fills it with the restored
contents. References from one backend to another service's ``BackendDict`` are pickled as
references to the live object by name (``_live_backend``), so they keep pointing at the live objects.
Everything is done in ``reducer_override``, which pickle calls only for non-builtin objects (a
``persistent_id`` method would be called for every int and string), and restores run with the cyclic
garbage collector paused: together they make a restore several times faster.
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
import hmac
import io
import json
import mmap
import os
import pickle
import secrets
import struct
import sys
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

from crc32c import crc32c

from squall.cloud.bodies import BodyRef

_LOCK_TYPES: tuple[type[Any], ...] = (type(threading.Lock()), type(threading.RLock()))
_FORMAT = 2
# types pickle handles as they are: this is called for every object, so each is checked only once
# dicts that re-check every item as it is set: moto's DynamoDB item attributes re-measure the whole item on
# each key (quadratic, and most of a restore's time); restored items were checked when first set
_NEWOBJ: Any = vars(copyreg)["__newobj__"]
_CHECKED_DICTS = frozenset({"moto.dynamodb.models.dynamo_type.LimitedSizeDict"})
_PLAIN: set[type[Any]] = {int, float, str, bytes, tuple, list, dict, set, bool, type(None), type}
MAGIC = b"SQSNAP02"
_TAIL = struct.Struct(">II")
_MAC = 32
PREFIX = "snapshot-"
SUFFIX = ".snap"

Shape = tuple[Any, ...]


class _Factory:
    """A picklable stand-in for a ``defaultdict`` factory, described by what it builds."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape

    def __call__(self) -> Any:
        kind, arg = self.shape
        if kind == "dd":
            return defaultdict(_Factory(arg) if isinstance(arg, tuple) else arg)
        return arg()


def _picklable_name(func: Any) -> bool:
    qualname = getattr(func, "__qualname__", "")
    return "<lambda>" not in qualname and "<locals>" not in qualname


def _shape_of_factory(factory: Callable[[], Any]) -> Shape | Callable[[], Any]:
    if _picklable_name(factory):
        return factory
    return _shape_of_value(factory())


def _shape_of_value(value: Any) -> Shape:
    if isinstance(value, defaultdict):
        inner = value.default_factory
        return ("dd", _shape_of_factory(inner) if inner is not None else None)
    return ("call", type(value))


def _rebuild_defaultdict(factory: Callable[[], Any] | None, items: dict[Any, Any]) -> defaultdict[Any, Any]:
    rebuilt: defaultdict[Any, Any] = defaultdict(factory)
    rebuilt.update(items)
    return rebuilt


def _rebuild_subclass(
    cls: type[defaultdict[Any, Any]],
    factory: Callable[[], Any] | None,
    attributes: dict[str, Any],
    items: dict[Any, Any],
) -> defaultdict[Any, Any]:
    rebuilt = cls.__new__(cls)
    defaultdict.__init__(rebuilt, factory)
    vars(rebuilt).update(attributes)
    rebuilt.update(items)
    return rebuilt


def _fill_checked_dict(obj: dict[Any, Any], state: tuple[dict[str, Any], dict[Any, Any]]) -> None:
    attributes, items = state
    vars(obj).update(attributes)
    dict.update(obj, items)  # the items were checked when they were first set


def _rebuild_weak(items: dict[Any, Any]) -> weakref.WeakValueDictionary[Any, Any]:
    return weakref.WeakValueDictionary(items)


class _StatePickler(pickle.Pickler):
    def __init__(self, file: IO[bytes], live: Mapping[str, Any]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._live_ids = {id(backend): name for name, backend in live.items()}
        self.bodies: dict[str, BodyRef] = {}

    def reducer_override(self, obj: Any) -> Any:
        name = self._live_ids.get(id(obj))
        if name is not None:
            return (_live_backend, (name,))
        kind = type(obj)
        if kind in _PLAIN:
            return NotImplemented
        if kind is BodyRef:
            self.bodies[obj.name] = obj
            return NotImplemented
        if kind in _LOCK_TYPES:
            return (threading.RLock if "RLock" in kind.__name__ else threading.Lock, ())
        if kind is threading.Condition:
            return (threading.Condition, ())
        if kind is weakref.WeakValueDictionary:
            return (_rebuild_weak, (dict(obj.items()),))
        if isinstance(obj, defaultdict):
            return self._reduce_defaultdict(obj)
        if f"{kind.__module__}.{kind.__qualname__}" in _CHECKED_DICTS:
            # created and memoized first, then filled (references back to it inside still resolve)
            state = (dict(vars(obj)), dict.copy(obj))
            return (_NEWOBJ, (kind,), state, None, None, _fill_checked_dict)
        _PLAIN.add(kind)
        return NotImplemented

    def _reduce_defaultdict(self, obj: defaultdict[Any, Any]) -> Any:
        factory: Any = obj.default_factory
        if factory is not None and not _picklable_name(factory):
            shape = _shape_of_factory(factory)
            factory = _Factory(shape) if isinstance(shape, tuple) else shape
        if type(obj) is defaultdict:
            return (_rebuild_defaultdict, (factory, dict(obj)))
        # a subclass may take other constructor arguments (moto's ssm ParameterDict does)
        return (_rebuild_subclass, (type(obj), factory, dict(vars(obj)), dict(obj)))


_restoring: Mapping[str, Any] = {}


def _live_backend(name: str) -> Any:
    """The live ``BackendDict`` a restored object referred to (restores run under the state lock)."""
    if name not in _restoring:
        raise pickle.UnpicklingError(f"the snapshot refers to an unknown backend {name!r}")
    return _restoring[name]


class _StateUnpickler(pickle.Unpickler):
    def __init__(self, file: IO[bytes], live: Mapping[str, Any]) -> None:
        super().__init__(file)
        self._live = live

    def load(self) -> Any:
        global _restoring
        _restoring = self._live
        try:
            return super().load()
        finally:
            _restoring = {}


class SnapshotRefused(Exception):
    """A snapshot that must not be loaded: why, in words for the user."""


@dataclass(frozen=True)
class Meta:
    next_segment: int
    next_request: int
    squall: str
    moto: str
    python: str
    created: float
    bodies: tuple[str, ...]


def versions() -> dict[str, str]:
    return {
        "squall": version("squall"),
        "moto": version("moto"),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }


def name(next_segment: int) -> str:
    return f"{PREFIX}{next_segment:08d}{SUFFIX}"


def segment_of(path: Path) -> int | None:
    digits = path.name[len(PREFIX) : -len(SUFFIX)]
    if path.name.startswith(PREFIX) and path.name.endswith(SUFFIX) and digits.isdigit():
        return int(digits)
    return None


def listing(folder: Path) -> list[tuple[int, Path]]:
    """The snapshots in ``folder``, newest first."""
    found = [(seq, p) for p in folder.glob(f"{PREFIX}*{SUFFIX}") if (seq := segment_of(p)) is not None]
    return sorted(found, reverse=True)


def load_key(path: Path) -> bytes:
    """This home's snapshot key, created (0600) on first use."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) < 32:
            raise SnapshotRefused(f"the snapshot key {path} is damaged ({len(key)} bytes)") from None
        return key
    key = secrets.token_bytes(32)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


class _SigningWriter(io.RawIOBase):
    """Writes to a file while feeding every byte to the HMAC and the CRC."""

    def __init__(self, file: IO[bytes], key: bytes) -> None:
        self.file = file
        self.mac = hmac.new(key, digestmod=hashlib.sha256)
        self.crc = 0
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.mac.update(chunk)
        self.crc = crc32c(chunk, self.crc)
        self.file.write(chunk)
        self.size += len(chunk)
        return len(chunk)


def write(path: Path, key: bytes, live: Mapping[str, Any], next_segment: int, next_request: int) -> Meta:
    """Pickle every live ``BackendDict`` into ``path`` (atomically, ``fsync``ed); what it holds.

    The caller keeps the state still while this runs: it holds the state lock, or it is the forked
    child that owns a private copy of the state. Body files the snapshot refers to are ``fsync``ed
    first, so a durable snapshot never refers to a body a power loss could take.
    """
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb", buffering=1 << 20) as file:
        os.chmod(tmp, 0o600)
        out = _SigningWriter(file, key)
        out.write(MAGIC)
        pickler = _StatePickler(out, live)  # type: ignore[arg-type]
        contents = {name: dict(backend) for name, backend in live.items()}
        pickler.dump((_FORMAT, contents))
        meta = Meta(
            next_segment,
            next_request,
            created=time.time(),
            bodies=tuple(sorted(pickler.bodies)),
            **versions(),
        )
        block = json.dumps({"format": _FORMAT, **vars(meta)}).encode()
        out.write(block)
        out.write(_TAIL.pack(len(block), out.crc))
        file.write(out.mac.digest())
        file.flush()
        os.fsync(file.fileno())
    from squall.cloud.bodies import BodyFile

    for ref in pickler.bodies.values():
        BodyFile(path.parent / "bodies" / ref.name, ref).fsync()
    if pickler.bodies:
        _fsync_dir(path.parent / "bodies")
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    return meta


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


Progress = Callable[[int, int], None]  # (bytes done, bytes total)


class Verified:
    """A snapshot whose HMAC and versions check out, ready to unpickle."""

    def __init__(
        self, path: Path, meta: Meta, payload: memoryview, keep: mmap.mmap, whole: memoryview
    ) -> None:
        self.path = path
        self.meta = meta
        self._view = payload
        self._map = keep
        self._whole = whole

    def load(self, live: Mapping[str, Any], progress: Progress | None = None) -> None:
        """Restore the snapshot into the live ``BackendDict``s."""
        collecting = gc.isenabled()
        gc.disable()  # a restore allocates millions of objects and frees none: collections only cost
        try:
            reader = _ProgressReader(self._view, progress)
            fmt, contents = _StateUnpickler(reader, live).load()  # type: ignore[arg-type]
        finally:
            if collecting:
                gc.enable()
            self.close()
        if fmt != _FORMAT:
            raise SnapshotRefused(f"unknown snapshot payload format {fmt}")
        for name, backend in live.items():
            backend.clear()
            backend.update(contents.get(name, {}))

    def close(self) -> None:
        if self._map.closed:
            return
        self._view.release()
        self._whole.release()
        self._map.close()


def verify(path: Path, key: bytes, progress: Progress | None = None) -> Verified:
    """Check ``path`` (HMAC, then versions) without unpickling anything."""
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size < len(MAGIC) + _TAIL.size + _MAC:
            raise SnapshotRefused(f"it is too short ({size} bytes) to be a snapshot")
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        meta, payload_end = _check(mapped, size, key, progress)
    except SnapshotRefused:
        mapped.close()
        raise
    except Exception as exc:
        mapped.close()
        raise SnapshotRefused(f"its metadata cannot be read ({exc})") from exc
    view = memoryview(mapped)
    return Verified(path, meta, view[len(MAGIC) : payload_end], mapped, view)


def _check(mapped: mmap.mmap, size: int, key: bytes, progress: Progress | None) -> tuple[Meta, int]:
    signed_end = size - _MAC
    tail_at = signed_end - _TAIL.size
    mac = hmac.new(key, digestmod=hashlib.sha256)
    step = 16 << 20
    for start in range(0, signed_end, step):
        mac.update(mapped[start : min(start + step, signed_end)])
        if progress is not None:
            progress(min(start + step, signed_end), size)
    block_length, crc = _TAIL.unpack(mapped[tail_at:signed_end])
    if not hmac.compare_digest(mac.digest(), mapped[signed_end:size]):
        actual = 0
        for start in range(0, tail_at, step):
            actual = crc32c(mapped[start : min(start + step, tail_at)], actual)
        if actual == crc and mapped[: len(MAGIC)] == MAGIC:
            raise SnapshotRefused(
                "it was not written by this home's local cloud (it is signed with another key)"
            )
        raise SnapshotRefused("its contents changed after it was written (it fails its checksum)")
    document = json.loads(mapped[tail_at - block_length : tail_at])
    if document.get("format") != _FORMAT:
        raise SnapshotRefused(f"it has snapshot format {document.get('format')}, not {_FORMAT}")
    document.pop("format")
    meta = Meta(**{**document, "bodies": tuple(document["bodies"])})
    mine = versions()
    theirs = {"squall": meta.squall, "moto": meta.moto, "python": meta.python}
    if theirs != mine:
        written = ", ".join(f"{k} {v}" for k, v in theirs.items())
        running = ", ".join(f"{k} {v}" for k, v in mine.items())
        raise SnapshotRefused(f"it was written by {written}; this is {running}")
    return meta, tail_at - block_length


class _ProgressReader(io.RawIOBase):
    def __init__(self, view: memoryview, progress: Progress | None) -> None:
        self._view = view
        self._at = 0
        self._progress = progress
        self._reported = 0

    def readable(self) -> bool:
        return True

    def _advance(self, count: int) -> memoryview:
        chunk = self._view[self._at : self._at + count]
        self._at += len(chunk)
        if self._progress is not None and self._at - self._reported >= 1 << 20:
            self._reported = self._at
            self._progress(self._at, len(self._view))
        return chunk

    def read(self, size: int = -1) -> bytes:
        count = len(self._view) - self._at if size is None or size < 0 else size
        return bytes(self._advance(count))

    def readinto(self, buffer: Any) -> int:
        chunk = self._advance(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def readline(self, size: int | None = -1) -> bytes:
        rest = self._view[self._at :]
        end = bytes(rest[: 1 << 16]).find(b"\n")
        count = len(rest) if end < 0 else end + 1
        if size is not None and size >= 0:
            count = min(count, size)
        return bytes(self._advance(count))


def dump(live: Mapping[str, Any], next_seq: int) -> bytes:
    """The pickle of every live ``BackendDict`` alone (for tests of the state pickler)."""
    buffer = io.BytesIO()
    contents = {name: dict(backend) for name, backend in live.items()}
    _StatePickler(buffer, live).dump((_FORMAT, next_seq, contents))
    return buffer.getvalue()


def load(blob: bytes, live: Mapping[str, Any]) -> int:
    """Restore what ``dump`` made; returns the ``next_seq`` it was given."""
    fmt, next_seq, contents = _StateUnpickler(io.BytesIO(blob), live).load()
    if fmt != _FORMAT:
        raise ValueError(f"unknown snapshot format {fmt}")
    for name, backend in live.items():
        backend.clear()
        backend.update(contents.get(name, {}))
    return int(next_seq)
