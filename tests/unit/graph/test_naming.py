from __future__ import annotations

import re

import pytest

from squall.graph.naming import RULES, Kind, fit, physical_name

LONG_APP = "a-really-long-application-name-for-the-payments-platform"
LONG_STAGE = "feature-branch-with-a-long-name"
LONG_ID = "ProcessIncomingPaymentNotificationsFromTheBankFeed"


@pytest.mark.parametrize("kind", list(RULES))
def test_long_names_stay_within_the_service_limit(kind: Kind) -> None:
    rule = RULES[kind]
    name = physical_name(LONG_APP, LONG_STAGE, LONG_ID, kind)
    assert len(name) <= rule.max_length
    assert re.fullmatch(f"[{rule.allowed}]+", name), name


@pytest.mark.parametrize("kind", list(RULES))
def test_names_are_stable_and_distinct(kind: Kind) -> None:
    first = physical_name(LONG_APP, LONG_STAGE, LONG_ID + "A" * 300, kind)
    again = physical_name(LONG_APP, LONG_STAGE, LONG_ID + "A" * 300, kind)
    other = physical_name(LONG_APP, LONG_STAGE, LONG_ID + "A" * 299 + "B", kind)
    assert first == again
    assert first != other


def test_short_names_are_kept_readable() -> None:
    assert physical_name("url-shortener", "dev", "Urls", "dynamodb_table") == "url-shortener-dev-Urls"
    assert physical_name("url-shortener", "dev", "ApiGetCode", "lambda") == "url-shortener-dev-ApiGetCode"


def test_bucket_names_are_lowercase_and_trimmed() -> None:
    name = physical_name("My-App", "Dev", "Uploads_Bucket", "s3_bucket")
    assert name == "my-app-dev-uploads-bucket"
    long = physical_name(LONG_APP, LONG_STAGE, LONG_ID, "s3_bucket")
    assert 3 <= len(long) <= 63
    assert long == long.lower()
    assert not long.startswith("-") and not long.endswith("-")


def test_a_lambda_name_keeps_its_readable_start_and_ends_in_a_hash() -> None:
    name = physical_name(LONG_APP, LONG_STAGE, LONG_ID, "lambda")
    assert len(name) == 64
    assert name.startswith(LONG_APP[:20])
    assert re.fullmatch(r".*-[0-9a-f]{8}", name)


def test_fifo_suffix_is_kept_whole() -> None:
    name = physical_name(LONG_APP, LONG_STAGE, LONG_ID * 2, "sqs_queue", suffix=".fifo")
    assert name.endswith(".fifo")
    assert len(name) <= 80


def test_invalid_characters_are_replaced() -> None:
    assert fit("app-dev-Ünïcode name", "lambda") == "app-dev--n-code-name"
