"""``./run dev``'s set-up, from a fresh checkout with no virtualenv: squall and its runtime dependencies, not
the test and benchmark tools (Playwright, mypy, chalice...)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.fresh_checkout import checkout, installed_distributions, run_job

TEST_TOOLS = {"playwright", "pytest", "mypy", "ruff", "chalice", "flask", "fastapi", "mangum", "cfn-lint"}


@pytest.mark.timeout(900)
def test_run_dev_installs_only_what_running_needs(tmp_path: Path) -> None:
    clone = checkout(tmp_path / "squall")
    assert not (clone / ".venv").exists()
    done = run_job(clone, "setup-dev")
    assert done.returncode == 0, done.stderr
    installed = installed_distributions(clone)
    assert {"squall", "boto3", "moto", "click", "watchfiles"} <= installed
    assert not TEST_TOOLS & installed, sorted(TEST_TOOLS & installed)

    # The set-up is stamped with pyproject.toml's hash, so the next `./run dev` installs nothing again.
    stamp = clone / ".venv" / ".squall-installed-dev"
    assert stamp.read_text().strip() == hashlib.sha256((clone / "pyproject.toml").read_bytes()).hexdigest()
    assert not (clone / ".venv" / ".squall-installed-test").exists()
    again = run_job(clone, "setup-dev")
    assert again.returncode == 0 and again.stdout == "" and again.stderr == ""
    assert installed_distributions(clone) == installed
