"""Snapshots: moto's backend state for the served services, pickled.

moto's models pickle (S3 keys define ``__getstate__`` for their spooled buffers) except for a few
runtime helpers, which the ``_StatePickler`` rebuilds instead of storing: locks and conditions come
back fresh, a ``WeakValueDictionary`` comes back with the same entries, and a ``defaultdict`` whose
factory is a lambda comes back with an equivalent named factory.

The live ``BackendDict`` objects are never replaced: response classes hold references to them.
A snapshot stores their contents; loading clears each live dict and fills it with the restored
contents. References from one backend to another service's ``BackendDict`` are pickled as
persistent ids, so they keep pointing at the live objects.
"""

from __future__ import annotations

import io
import os
import pickle
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

_LOCK_TYPES: tuple[type[Any], ...] = (type(threading.Lock()), type(threading.RLock()))
_FORMAT = 1

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


def _rebuild_weak(items: dict[Any, Any]) -> weakref.WeakValueDictionary[Any, Any]:
    return weakref.WeakValueDictionary(items)


class _StatePickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, live: Mapping[str, Any]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._live_ids = {id(backend): name for name, backend in live.items()}

    def persistent_id(self, obj: Any) -> Any:
        name = self._live_ids.get(id(obj))
        return ("backends", name) if name is not None else None

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in _LOCK_TYPES:
            return (threading.RLock if "RLock" in kind.__name__ else threading.Lock, ())
        if kind is threading.Condition:
            return (threading.Condition, ())
        if kind is weakref.WeakValueDictionary:
            return (_rebuild_weak, (dict(obj.items()),))
        if isinstance(obj, defaultdict):
            return self._reduce_defaultdict(obj)
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


class _StateUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, live: Mapping[str, Any]) -> None:
        super().__init__(file)
        self._live = live

    def persistent_load(self, pid: Any) -> Any:
        kind, name = pid
        if kind != "backends" or name not in self._live:
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        return self._live[name]


def dump(live: Mapping[str, Any], next_seq: int) -> bytes:
    """Pickle the contents of every live ``BackendDict`` (call with the state lock held)."""
    buffer = io.BytesIO()
    contents = {name: dict(backend) for name, backend in live.items()}
    _StatePickler(buffer, live).dump((_FORMAT, next_seq, contents))
    return buffer.getvalue()


def load(blob: bytes, live: Mapping[str, Any]) -> int:
    """Restore a snapshot into the live ``BackendDict``s; returns the first journal segment after it."""
    fmt, next_seq, contents = _StateUnpickler(io.BytesIO(blob), live).load()
    if fmt != _FORMAT:
        raise ValueError(f"unknown snapshot format {fmt}")
    for name, backend in live.items():
        backend.clear()
        backend.update(contents.get(name, {}))
    return int(next_seq)


def write_atomically(path: Path, blob: bytes) -> None:
    """Write ``blob`` to ``path`` so that a crash leaves either the old file or the new one."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as file:
        file.write(blob)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
