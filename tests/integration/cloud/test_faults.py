"""Damaged state is refused with a report, repaired on request, never silently dropped; power loss in strict mode.

Each case reproduces a fault test that once lost acknowledged writes: a flipped bit in the middle of the
journal, a changed byte in a snapshot, a power loss (the page cache dropped: each journal segment cut back
to the length its last ``fsync`` covered, as ``$SQUALL_CLOUD_FSYNC_LOG`` records them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from squall.cloud import journal, snapshot
from squall.cloud.info import CloudPaths
from squall.cloud.record import Record
from tests.integration.cloud.conftest import Daemons
from tests.integration.conftest import ClientFactory

SQUALL = Path(sys.executable).parent / "squall"


def _squall(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SQUALL_HOME": str(home)}
    return subprocess.run(
        [str(SQUALL), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _table(c: ClientFactory, name: str = "faults") -> Any:
    ddb = c("dynamodb")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return ddb


def _keys(ddb: Any, table: str = "faults") -> set[str]:
    keys: set[str] = set()
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = ddb.scan(**kwargs)
        keys |= {item["pk"]["S"] for item in page["Items"]}
        if "LastEvaluatedKey" not in page:
            return keys
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def test_mid_journal_bit_flip_refuses_start_then_repair_keeps_every_intact_record(daemons: Daemons) -> None:
    home = daemons.home()
    info = daemons.start(home)
    ddb = _table(daemons.clients(info))
    for i in range(300):
        ddb.put_item(TableName="faults", Item={"pk": {"S": f"k{i:03d}"}, "v": {"S": "x" * 40}})
    daemons.kill9(info)

    segment = journal.segments(CloudPaths.under(home).state)[-1][1]
    original = segment.read_bytes()
    intact = journal.scan(original)
    assert len(intact.records) >= 50
    middle = len(original) // 2
    data = bytearray(original)
    data[middle] ^= 0x08  # one flipped bit in the middle of the journal
    segment.write_bytes(bytes(data))
    hit = max(i for i, at in enumerate(intact.offsets) if at <= middle)
    damaged_at = intact.offsets[hit]
    lost = Record.decode(intact.records[hit])
    lost_key = json.loads(lost.body)["Item"]["pk"]["S"]
    after = len(intact.records) - hit - 1

    refused = _squall(home, "cloud", "start", "--port", "0")
    assert refused.returncode == 5, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    assert str(segment) in refused.stderr and f"at byte {damaged_at}" in refused.stderr
    assert f"{after} intact records follow it" in refused.stderr
    assert "squall cloud repair" in refused.stderr and "squall cloud reset" in refused.stderr
    assert segment.read_bytes() == bytes(data), "nothing is truncated before the user chooses"

    repaired = _squall(home, "cloud", "repair")
    assert repaired.returncode == 0, repaired.stderr
    assert f"Replayed {len(intact.records) - 1} intact" in repaired.stdout
    assert f"request #{lost.number}" in repaired.stdout, repaired.stdout
    backups = list(home.joinpath("cloud").glob("damaged-*/" + segment.name))
    assert len(backups) == 1 and backups[0].read_bytes() == bytes(data)

    again = daemons.start(home)
    keys = _keys(daemons.clients(again)("dynamodb"))
    assert keys == {f"k{i:03d}" for i in range(300)} - {lost_key}


def test_changed_byte_in_a_snapshot_value_refuses_start(daemons: Daemons) -> None:
    home = daemons.home()
    info = daemons.start(home)
    ddb = _table(daemons.clients(info))
    for i in range(50):
        ddb.put_item(TableName="faults", Item={"pk": {"S": f"k{i}"}, "v": {"S": f"value-{i:04d}"}})
    assert _squall(home, "cloud", "stop").returncode == 0
    (_, snap), *older = snapshot.listing(CloudPaths.under(home).state)
    assert not older and not journal.segments(snap.parent)[:-1], "one snapshot, nothing to stand in for it"
    data = bytearray(snap.read_bytes())
    data[data.find(b"value-0042") + 6] = ord("9")  # value-0042 would load as value-0092
    snap.write_bytes(bytes(data))

    refused = _squall(home, "cloud", "start", "--port", "0")
    assert refused.returncode == 5, refused.stdout + refused.stderr
    assert f"snapshot {snap} is refused: its contents changed after it was written" in refused.stderr
    assert "squall cloud reset" in refused.stderr and "Traceback" not in refused.stderr
    assert snap.read_bytes() == bytes(data)


def test_refused_newest_snapshot_falls_back_to_the_previous_and_the_journal(
    daemons: Daemons, small_journal: Any
) -> None:
    small_journal(20)
    home = daemons.home()
    info = daemons.start(home)
    ddb = _table(daemons.clients(info))
    state = CloudPaths.under(home).state
    for i in range(100):
        ddb.put_item(TableName="faults", Item={"pk": {"S": f"k{i}"}, "v": {"S": f"value-{i:04d}"}})
    assert _squall(home, "cloud", "stop").returncode == 0
    snaps = snapshot.listing(state)
    assert len(snaps) == 2
    newest = snaps[0][1]
    data = bytearray(newest.read_bytes())
    data[data.find(b"value-0042") + 6] = ord("9")
    newest.write_bytes(bytes(data))

    again = daemons.start(home)
    assert any(f"refused the snapshot {newest.name}" in note for note in again.notes), again.notes
    ddb = daemons.clients(again)("dynamodb")
    assert ddb.get_item(TableName="faults", Key={"pk": {"S": "k42"}})["Item"]["v"]["S"] == "value-0042"
    assert _keys(ddb) == {f"k{i}" for i in range(100)}
    assert newest.with_name(newest.name + ".refused").read_bytes() == bytes(data)


def _power_loss(state: Path, fsync_log: Path) -> None:
    """Drop what a power loss would: each segment beyond the length its last fsync covered."""
    synced: dict[str, int] = {}
    if fsync_log.exists():
        for line in fsync_log.read_text().splitlines():
            name, length = line.split()
            synced[name] = int(length)
    for _, path in journal.segments(state):
        keep = synced.get(path.name, 0)
        if path.stat().st_size > keep:
            with open(path, "r+b") as file:
                file.truncate(keep)


@pytest.mark.parametrize("mode", ["strict", "default"])
def test_power_loss_loses_nothing_acknowledged_in_strict_mode(
    daemons: Daemons, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mode: str
) -> None:
    fsync_log = tmp_path / "fsync.log"
    monkeypatch.setenv("SQUALL_CLOUD_FSYNC_LOG", str(fsync_log))
    monkeypatch.setenv("SQUALL_CLOUD_FLUSH_EVERY", "3600")  # default mode's once-a-second fsync, held off
    home = daemons.home()
    from squall import cloud

    info = cloud.start(home, port=0, durability=mode)
    assert info is not None and info.durability == mode
    daemons.homes.append(home)
    ddb = _table(daemons.clients(info))
    acknowledged: list[str] = []
    lock = threading.Lock()

    def writer(worker: int) -> None:
        client = daemons.clients(info)("dynamodb")
        for i in range(15):
            key = f"w{worker}-{i}"
            client.put_item(TableName="faults", Item={"pk": {"S": key}})
            with lock:
                acknowledged.append(key)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    daemons.kill9(info)
    _power_loss(CloudPaths.under(home).state, fsync_log)

    again = cloud.start(home, port=0)
    assert again is not None and again.durability == mode, "the mode chosen is remembered"
    ddb = daemons.clients(again)("dynamodb")
    if mode == "strict":
        assert _keys(ddb) == set(acknowledged)
        return
    # the same power loss in default mode drops what the once-a-second fsync had not reached
    tables = ddb.list_tables()["TableNames"]
    assert "faults" not in tables or _keys(ddb) < set(acknowledged)


@pytest.mark.timeout(1200)
def test_160000_items_start_and_stop_wait_for_the_daemon_and_show_progress(daemons: Daemons) -> None:
    home = daemons.home()
    info = daemons.start(home)
    _table(daemons.clients(info))
    items, workers = 160_000, 4

    def fill(worker: int) -> None:
        client = daemons.clients(info)("dynamodb")
        per = items // workers
        for start in range(worker * per, (worker + 1) * per, 25):
            batch = [
                {"PutRequest": {"Item": {"pk": {"S": f"i{n}"}, "v": {"S": "x" * 200}}}}
                for n in range(start, start + 25)
            ]
            unprocessed = client.batch_write_item(RequestItems={"faults": batch})["UnprocessedItems"]
            assert not unprocessed

    threads = [threading.Thread(target=fill, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)

    stopped = _squall(home, "cloud", "stop", timeout=600)
    assert stopped.returncode == 0 and "Local cloud stopped." in stopped.stdout, stopped.stderr
    assert snapshot.listing(CloudPaths.under(home).state), "stop waited for the final snapshot"

    started = _squall(home, "cloud", "start", "--port", "0", timeout=600)
    assert started.returncode == 0, started.stderr
    assert "Starting the local cloud: loading the snapshot" in started.stderr, started.stderr
    assert "Starting the local cloud: ready after" in started.stderr
    again = cloud_status(home)
    ddb = daemons.clients(again)("dynamodb")
    assert ddb.describe_table(TableName="faults")["Table"]["ItemCount"] == items
    for n in (0, 1, items // 2, items - 1):
        assert ddb.get_item(TableName="faults", Key={"pk": {"S": f"i{n}"}})["Item"]["v"]["S"] == "x" * 200


def cloud_status(home: Path) -> Any:
    from squall import cloud

    info = cloud.status(home)
    assert info is not None
    return info
