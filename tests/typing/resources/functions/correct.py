"""Correct uses of every typed client: mypy --strict and pyright strict accept all of it."""

from decimal import Decimal
from typing import assert_type

from squall import BatchFailed, ConditionFailed, Resource


def table() -> None:
    notes = Resource.Notes
    item = notes.get(userId="u1", noteId="n1", consistent=True)
    if item is not None:
        assert_type(item["userId"], str)
        assert_type(item.get("createdAt"), int | float | Decimal | None)
        assert_type(item.get("blob"), bytes | None)
    notes.put({"userId": "u1", "noteId": "n1", "createdAt": 1.5, "title": "t"})
    try:
        notes.put({"userId": "u1", "noteId": "n1"}, condition="attribute_not_exists(userId)")
    except ConditionFailed as exc:
        assert_type(exc.reasons, list[str])
    old = notes.delete(userId="u1", noteId="n1", condition="attribute_exists(title)")
    if old is not None:
        assert_type(old["noteId"], str)
    after = notes.update(
        {"userId": "u1", "noteId": "n1"},
        set={"title": "x"},
        add={"createdAt": 1},
        remove=["blob"],
        condition="createdAt < :limit",
        values={":limit": 10},
    )
    assert_type(after["noteId"], str)
    by_note = [i["noteId"] for i in notes.query("u1", sort_condition=("begins_with", "n"), limit=10)]
    assert_type(by_note, list[str])
    for _ in notes.query("u1", index="ByDate", sort_condition=("between", 1, Decimal("2.5")), forward=False):
        pass
    for _ in notes.query("u1", sort_condition=(">=", "n2"), consistent=True):
        pass
    notes.batch_write(put=[{"userId": "u", "noteId": "n"}], delete=[{"userId": "u", "noteId": "m"}])
    with notes.transact() as tx:
        tx.put({"userId": "u", "noteId": "n"}, condition="attribute_not_exists(userId)")
        tx.update({"userId": "u", "noteId": "m"}, add={"createdAt": 1})
        tx.delete(userId="u", noteId="o")
        tx.check({"userId": "u", "noteId": "p"}, condition="attribute_exists(userId)")
    assert_type(notes.table_name, str)
    assert_type(notes.arn, str)


def bucket() -> None:
    uploads = Resource.Uploads
    assert_type(uploads.put("k", b"x", content_type="text/plain", metadata={"a": "b"}), str)
    uploads.put("k.txt", "text")
    found = uploads.get("k")
    if found is not None:
        assert_type(found.body, bytes)
        assert_type(found.text, str)
    for summary in uploads.list("k", limit=5):
        assert_type(summary.key, str)
        assert_type(summary.size, int)
    assert_type(uploads.presign_get("k", expires_in=60), str)
    assert_type(uploads.presign_put("k", content_type="text/plain"), str)
    uploads.delete("k")
    assert_type(uploads.bucket_name, str)


def queue_topic_secret() -> None:
    assert_type(Resource.Jobs.send({"a": 1}, delay_seconds=1), str)
    try:
        assert_type(Resource.Jobs.send_batch(["a", "b"]), list[str])
    except BatchFailed as exc:
        assert_type(exc.failed, list[tuple[int, str, str]])
    assert_type(Resource.Jobs.queue_url, str)
    assert_type(Resource.Events.publish("hi", subject="s", attributes={"k": "v"}), str)
    assert_type(Resource.Events.topic_arn, str)
    assert_type(Resource.ApiKey.value, str)
    assert_type(Resource.Api.url, str)
    assert_type(Resource.Worker.function_name, str)
    assert_type(Resource.App.stage, str)
