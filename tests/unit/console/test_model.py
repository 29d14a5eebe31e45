"""Records, stats, the invocation store and the live feed."""

from __future__ import annotations

import json

import pytest

from squall.console import InvocationRecord, LiveFeed
from squall.console.stats import function_stats, percentile
from squall.console.store import InvocationQuery, InvocationStore


def record(
    request_id: str, *, function: str = "app-dev-Fn", at: int = 0, error: bool = False, **extra: object
) -> InvocationRecord:
    fields: dict[str, object] = {
        "requestId": request_id,
        "function": function,
        "event": {"rawPath": "/x", "requestContext": {"http": {"method": "GET"}}},
        "response": {"statusCode": 200, "body": "ok"},
        "error": error,
        "errorType": "ValueError" if error else None,
        "durationMs": 5.0,
        "cold": False,
        "logs": "",
        "at": at,
    }
    fields.update(extra)
    return InvocationRecord.from_json(fields)


def test_a_record_parses_from_the_host_json_and_ignores_other_messages() -> None:
    message = json.dumps(record("r1", at=7).to_json())
    parsed = InvocationRecord.parse(message)
    assert parsed == record("r1", at=7)
    assert InvocationRecord.parse("START RequestId: x") is None
    assert InvocationRecord.parse(json.dumps({"hello": 1})) is None


def test_summaries_describe_http_and_record_events() -> None:
    assert record("a").summary()["title"] == "GET /x"
    assert record("a").summary()["status"] == "200"
    queued = record(
        "b", event={"Records": [{"eventSource": "aws:sqs"}, {"eventSource": "aws:sqs"}]}, response=None
    )
    assert queued.summary()["title"] == "aws:sqs x2"
    assert queued.summary()["status"] == "ok"
    assert record("c", error=True).summary()["status"] == "error"


def test_text_search_covers_request_response_and_logs() -> None:
    found = record("a", logs="printed needle here", response={"statusCode": 201, "body": "Haystack"})
    assert found.matches("NEEDLE")
    assert found.matches("haystack")
    assert found.matches("/x")
    assert not found.matches("absent")


def test_percentiles_use_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([3.0], 0.99) == 3.0
    assert percentile([], 0.5) is None


def test_stats_count_invocations_and_errors_per_function() -> None:
    stats = function_stats(
        [
            record("a", at=1),
            record("b", at=5, error=True),
            record("c", function="other", at=2, durationMs=40.0),
        ]
    )
    assert stats["app-dev-Fn"].invocations == 2
    assert stats["app-dev-Fn"].errors == 1
    assert stats["app-dev-Fn"].last_at == 5
    assert stats["other"].p99 == 40.0


def test_the_store_is_newest_first_idempotent_and_bounded() -> None:
    store = InvocationStore(keep=3)
    assert [r.requestId for r in store.add([record("a", at=1), record("c", at=3)])] == ["a", "c"]
    assert store.add([record("a", at=1)]) == []
    store.add([record("b", at=2), record("d", at=4)])
    items, total = store.query(InvocationQuery())
    assert [r.requestId for r in items] == ["d", "c", "b"]
    assert total == 3
    assert store.get("a") is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (InvocationQuery(function="other"), ["o"]),
        (InvocationQuery(status="error"), ["e"]),
        (InvocationQuery(status="ok"), ["o", "k"]),
        (InvocationQuery(text="special"), ["k"]),
        (InvocationQuery(limit=1), ["o"]),
    ],
)
def test_the_store_filters_by_function_status_and_text(query: InvocationQuery, expected: list[str]) -> None:
    store = InvocationStore()
    store.add(
        [
            record("e", at=1, error=True),
            record("k", at=2, logs="special"),
            record("o", function="other", at=3),
        ]
    )
    items, _ = store.query(query)
    assert [r.requestId for r in items] == expected


def test_the_live_feed_replays_recent_records_and_survives_a_failing_listener() -> None:
    feed = LiveFeed(keep=2)
    feed.publish(record("a"))
    feed.publish(record("b"))
    feed.publish(record("c"))
    seen: list[str] = []

    def broken(_: InvocationRecord) -> None:
        raise RuntimeError("boom")

    feed.subscribe(broken, replay=False)
    unsubscribe = feed.subscribe(lambda r: seen.append(r.requestId))
    assert seen == ["b", "c"]
    feed.publish(record("d"))
    unsubscribe()
    feed.publish(record("e"))
    assert seen == ["b", "c", "d"]
