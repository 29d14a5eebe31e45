"""The local cloud's heap in huge pages, so that a snapshot's ``fork`` holds requests up only briefly."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

_TUNABLE = "glibc.malloc.hugetlb=1"
_ADDED = "_SQUALL_ADDED_ENV"


def environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The daemon's environment: its heap in huge pages, so that a snapshot's ``fork`` is quick.

    ``fork`` copies the parent's page tables while every thread waits; with 4 KiB pages that is a
    quarter of a million entries per GiB of state (tens of milliseconds, the longest stall a snapshot
    causes). Python's objects are allocated with glibc's ``malloc`` (``PYTHONMALLOC=malloc``), which
    asks for transparent huge pages for its heaps (``glibc.malloc.hugetlb=1``, glibc 2.35 and later):
    2 MiB pages need 512 times fewer entries. Where the kernel offers no transparent huge pages, or
    glibc is older, this changes nothing. A ``PYTHONMALLOC`` or tunable already set is kept; what was
    added is named in ``_SQUALL_ADDED_ENV`` so that the daemon takes it out again (``forget``) before it
    starts any process of its own.
    """
    env = dict(environ)
    added: list[str] = []
    if "PYTHONMALLOC" not in env:
        env["PYTHONMALLOC"] = "malloc"
        added.append("PYTHONMALLOC")
    tunables = [t for t in env.get("GLIBC_TUNABLES", "").split(":") if t]
    if not any(t.startswith("glibc.malloc.hugetlb=") for t in tunables):
        tunables.append(_TUNABLE)
        added.append("GLIBC_TUNABLES")
    env["GLIBC_TUNABLES"] = ":".join(tunables)
    if added:
        env[_ADDED] = ",".join(added)
    return env


def forget(environ: MutableMapping[str, str]) -> None:
    """Take out of ``environ`` what ``environment`` added (the daemon's own processes need none of it)."""
    for name in environ.pop(_ADDED, "").split(","):
        if name == "PYTHONMALLOC":
            environ.pop(name, None)
        elif name == "GLIBC_TUNABLES":
            kept = [t for t in environ.get(name, "").split(":") if t and t != _TUNABLE]
            if kept:
                environ[name] = ":".join(kept)
            else:
                environ.pop(name, None)
