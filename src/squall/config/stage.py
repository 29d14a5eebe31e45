"""The stage: ``--stage``, then ``$SQUALL_STAGE``, then the personal stage kept in ``.squall/stage``.

The personal stage is made once from the user name, as SST does, so two people sharing an AWS account
never deploy over each other by default.

Stage names are lower case. Some physical names must be (S3 buckets), so ``Prod`` and ``prod`` would name
the same bucket: an upper-case stage name is refused rather than folded into another stage's names.
"""

from __future__ import annotations

import getpass
import os
import re
from pathlib import Path

from squall.errors import ConfigError

NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
MAX_STAGE_LENGTH = 32
MAX_APP_LENGTH = 64
STAGE_FILE = Path(".squall") / "stage"


def name_problem(value: object, limit: int) -> str | None:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        return "use letters, digits and '-', starting with a letter"
    if len(value) > limit:
        return f"use at most {limit} characters"
    if value.endswith("-") or "--" in value:
        return "no trailing or doubled '-'"
    return None


def check_stage(stage: str, source: str) -> str:
    problem = name_problem(stage, MAX_STAGE_LENGTH)
    if problem:
        raise ConfigError(f"invalid stage name {stage!r} (from {source}): {problem}")
    if stage != stage.lower():
        raise ConfigError(
            f"invalid stage name {stage!r} (from {source}): stage names are lower case, since S3 bucket "
            f"names are: {stage!r} and {stage.lower()!r} would share their buckets",
            hint=f"use {stage.lower()!r}",
        )
    return stage


def personal_stage() -> str:
    user = re.sub(r"[^A-Za-z0-9-]+", "-", getpass.getuser()).strip("-").lower()
    if not user or not user[0].isalpha():
        user = f"dev-{user}".rstrip("-")
    return user[:MAX_STAGE_LENGTH].rstrip("-")


def resolve_stage(root: Path, explicit: str | None = None) -> str:
    if explicit:
        return check_stage(explicit, "--stage")
    from_env = os.environ.get("SQUALL_STAGE")
    if from_env:
        return check_stage(from_env, "$SQUALL_STAGE")
    stage_file = root / STAGE_FILE
    if stage_file.is_file():
        return check_stage(stage_file.read_text(encoding="utf-8").strip(), str(stage_file))
    stage = personal_stage()
    try:
        stage_file.parent.mkdir(parents=True, exist_ok=True)
        stage_file.write_text(stage + "\n", encoding="utf-8")
    except OSError:
        pass  # a read-only project still works; the stage is simply not remembered
    return stage
