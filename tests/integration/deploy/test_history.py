"""Every deploy and remove is recorded in the stage's history.json, with what it changed."""

from __future__ import annotations

import threading
from pathlib import Path

from squall.deploy import Clients, deploy, remove
from squall.deploy.engine import Session
from squall.deploy.history import DeployEntry, HistoryStore
from tests.integration.deploy.helpers import edit, load


def history(project_root: Path, stage: str, clients: Clients) -> list[dict[str, object]]:
    session = Session(clients, load(project_root, stage).graph)
    session.connect()
    return session.history().entries()


def test_deploys_and_removes_are_recorded_with_their_changes(
    shortener: Path, stage: str, clients: Clients
) -> None:
    deploy(load(shortener, stage), clients=clients, command="squall deploy --stage x")
    # Point one route at another handler: one function's Handler changes, nothing else.
    edit(shortener / "squall.config.py", '"functions/stats.handler"', '"functions/redirect.handler"')
    deploy(load(shortener, stage), clients=clients, command="squall deploy --stage x")
    remove(load(shortener, stage), clients=clients, command="squall remove --stage x")

    entries = history(shortener, stage, clients)
    assert [e["kind"] for e in entries] == ["remove", "deploy", "deploy"]
    assert {e["command"] for e in entries} == {"squall deploy --stage x", "squall remove --stage x"}
    assert all(e["status"] == "succeeded" and e["user"] and float(e["duration"]) > 0 for e in entries)
    first, changed, removed = entries[2], entries[1], entries[0]
    assert first["counts"].get("created", 0) > 5 and "updated" not in first["counts"]  # type: ignore[union-attr]
    changes = changed["changes"]
    assert isinstance(changes, list)
    assert [(c["logicalId"], c["action"]) for c in changes] == [("ApiGetStatsCode", "updated")]
    properties = changes[0]["properties"]
    assert properties == {"Handler": {"from": "functions.stats.handler", "to": "functions.redirect.handler"}}
    assert removed["counts"] == {"deleted": first["counts"]["created"]}  # type: ignore[index]


def test_appends_that_race_lose_no_entry(shortener: Path, stage: str, clients: Clients) -> None:
    deploy(load(shortener, stage), clients=clients)
    session = Session(clients, load(shortener, stage).graph)
    session.connect()
    stores = [HistoryStore(clients("s3"), session.bucket, session.graph.app, stage) for _ in range(4)]

    def add(store: HistoryStore, n: int) -> None:
        store.append(DeployEntry("deploy", f"run {n}", "me", "here", 0.0, 0.0, ()))

    threads = [threading.Thread(target=add, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    commands = {e["command"] for e in session.history().entries()}
    assert {f"run {n}" for n in range(4)} <= commands
    remove(load(shortener, stage), clients=clients)
