"""What the config tests share: a project's config file built from a few lines, and finding a line in it."""

from __future__ import annotations

import textwrap
from pathlib import Path

HANDLER = {"functions/__init__.py": "", "functions/ok.py": "def handler(event, context):\n    return 'ok'\n"}

HEADER = """
from squall import App, Stack
from squall.constructs import Api, Bucket, Cron, Function, Queue, Secret, Table, Topic


def config(input):
    return {"name": "demo", "region": "us-east-1"}


def stacks(app):
    app.stack(main)


def main(stack):
"""


def body(lines: str) -> str:
    return HEADER + textwrap.indent(textwrap.dedent(lines).strip("\n"), "    ") + "\n"


def line_of(root: Path, marker: str) -> int:
    for number, line in enumerate((root / "squall.config.py").read_text().splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in the config")
