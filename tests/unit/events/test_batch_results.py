"""Which messages of a batch succeeded, by AWS's partial batch response rules."""

from __future__ import annotations

from typing import Any

import pytest

from squall.events.sqs import successful_ids
from squall.events.streams import first_failed_sequence

IDS = ["a", "b", "c"]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (None, IDS),
        ("", IDS),
        ({}, IDS),
        ({"batchItemFailures": None}, IDS),
        ({"batchItemFailures": []}, IDS),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, ["a", "c"]),
        ({"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "c"}]}, ["b"]),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, None),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, None),
        ({"batchItemFailures": [{"id": "a"}]}, None),
        ({"batchItemFailures": [{"itemIdentifier": "unknown"}]}, None),
        ({"batchItemFailures": "a"}, None),
    ],
)
def test_partial_batch_response(payload: Any, expected: list[str] | None) -> None:
    assert successful_ids(IDS, payload, report_failures=True) == expected


def test_without_report_batch_item_failures_the_answer_is_ignored() -> None:
    assert successful_ids(IDS, {"batchItemFailures": [{"itemIdentifier": "a"}]}, report_failures=False) == IDS


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (None, None),
        ({"batchItemFailures": []}, None),
        ({"batchItemFailures": [{"itemIdentifier": "12"}, {"itemIdentifier": "11"}]}, 11),
        ({"batchItemFailures": [{"itemIdentifier": "99"}]}, 10),
        ({"batchItemFailures": [{"itemIdentifier": "x"}]}, 10),
    ],
)
def test_stream_partial_failures_restart_at_the_first_failed_record(
    payload: Any, expected: int | None
) -> None:
    assert first_failed_sequence(payload, [10, 11, 12]) == expected
