"""Physical names: ``{app}-{stage}-{id}``, kept within each AWS service's length and character rules.

A name that is too long keeps its readable start and ends in a hash of the whole name, so it is stable
across runs and two long names that differ only at the end stay distinct.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "lambda",
    "iam_role",
    "s3_bucket",
    "sqs_queue",
    "dynamodb_table",
    "sns_topic",
    "events_rule",
    "http_api",
    "log_group",
    "ssm_parameter",
    "cognito_user_pool",
]


@dataclass(frozen=True)
class NameRule:
    max_length: int
    allowed: str
    """A regex character class of what the service accepts."""
    lowercase: bool = False


RULES: dict[Kind, NameRule] = {
    "lambda": NameRule(64, r"A-Za-z0-9_-"),
    "iam_role": NameRule(64, r"A-Za-z0-9_+=,.@-"),
    "s3_bucket": NameRule(63, r"a-z0-9-", lowercase=True),
    "sqs_queue": NameRule(80, r"A-Za-z0-9_-"),
    "dynamodb_table": NameRule(255, r"A-Za-z0-9_.-"),
    "sns_topic": NameRule(256, r"A-Za-z0-9_-"),
    "events_rule": NameRule(64, r"A-Za-z0-9_.-"),
    "http_api": NameRule(128, r"A-Za-z0-9_ -"),
    "log_group": NameRule(512, r"A-Za-z0-9_./#-"),
    "ssm_parameter": NameRule(1011, r"A-Za-z0-9_./-"),
    "cognito_user_pool": NameRule(128, r"A-Za-z0-9_+=,.@-"),
}

HASH_LENGTH = 8


def stable_hash(text: str, length: int = HASH_LENGTH) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def fit(name: str, kind: Kind, *, suffix: str = "") -> str:
    """``name`` made valid for ``kind``; ``suffix`` (e.g. ``.fifo``) is kept whole at the end."""
    rule = RULES[kind]
    cleaned = name.lower() if rule.lowercase else name
    cleaned = re.sub(f"[^{rule.allowed}]", "-", cleaned)
    if kind == "s3_bucket":
        cleaned = re.sub(r"-{2,}", "-", cleaned).strip("-")
    room = rule.max_length - len(suffix)
    if len(cleaned) > room:
        digest = stable_hash(name)
        cleaned = cleaned[: room - HASH_LENGTH - 1].rstrip("-") + "-" + digest
    return cleaned + suffix


def physical_name(app: str, stage: str, construct_id: str, kind: Kind, *, suffix: str = "") -> str:
    return fit(f"{app}-{stage}-{construct_id}", kind, suffix=suffix)
