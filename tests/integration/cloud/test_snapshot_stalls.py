"""A snapshot forks the local cloud; the fork is brief because the daemon's heap is in huge pages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from squall.cloud import huge_pages
from tests.integration.cloud.conftest import Daemons

MIB = 1 << 20


def _huge_pages_offered() -> bool:
    try:
        enabled = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return False
    libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    name, _, number = libc.partition(" ")
    major, _, minor = number.partition(".")
    new_enough = name == "glibc" and (int(major), int(minor or 0)) >= (2, 35)
    return "[never]" not in enabled and new_enough


def _anon_huge(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("AnonHugePages:"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.mark.skipif(not _huge_pages_offered(), reason="no transparent huge pages or glibc < 2.35 here")
def test_the_local_clouds_state_lives_in_huge_pages(daemons: Daemons) -> None:
    info = daemons.start(daemons.home())
    ddb = daemons.clients(info)("dynamodb")
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for start in range(0, 5000, 25):
        items = [
            {"PutRequest": {"Item": {"pk": {"S": f"i{n}"}, "v": {"S": "y" * 200}}}}
            for n in range(start, start + 25)
        ]
        ddb.batch_write_item(RequestItems={"t": items})
    assert _anon_huge(info.pid) >= 4 * MIB, "the heap a snapshot's fork copies the page tables of"


def test_the_daemon_environment_keeps_what_the_user_chose_and_takes_back_what_it_added() -> None:
    added = huge_pages.environment({"HOME": "/h"})
    assert added["PYTHONMALLOC"] == "malloc" and added["GLIBC_TUNABLES"] == "glibc.malloc.hugetlb=1"
    huge_pages.forget(added)
    assert added == {"HOME": "/h"}
    chosen = {"PYTHONMALLOC": "pymalloc", "GLIBC_TUNABLES": "glibc.malloc.hugetlb=0"}
    kept = huge_pages.environment(chosen)
    huge_pages.forget(kept)
    assert kept == chosen
    other = huge_pages.environment({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"})
    assert other["GLIBC_TUNABLES"] == "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"
    huge_pages.forget(other)
    assert other == {"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"}
