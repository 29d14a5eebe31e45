"""``squall --help``: every command's summary is a whole sentence; an unknown command gets "did you mean"."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from squall.cli.main import COMMANDS, cli


def help_text(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def summaries(text: str) -> dict[str, str]:
    """Command name -> its summary as printed (wrapped lines joined)."""
    rows: dict[str, str] = {}
    name = ""
    for line in text.split("Commands:\n", 1)[1].splitlines():
        match = re.match(r"^  (\S+)\s+(.*)$", line)
        if match:
            name = match.group(1)
            rows[name] = match.group(2).strip()
        elif line.strip() and name:
            rows[name] += " " + line.strip()
    return rows


@pytest.mark.parametrize("group", [(), ("cloud",), ("secret",), ("state",)])
def test_summaries_are_whole_sentences(group: tuple[str, ...]) -> None:
    rows = summaries(help_text(*group))
    assert rows
    for name, text in rows.items():
        assert text.endswith("."), (name, text)
        assert "..." not in text, (name, text)


def test_an_abbreviation_does_not_end_a_summary() -> None:
    rows = summaries(help_text())
    assert set(rows) == set(COMMANDS)
    assert (
        rows["invoke"] == "Invoke FUNCTION (its id, e.g. ApiGetCode, or its full name) and print the result."
    )
    assert rows["outputs"] == "Print the stage's outputs (e.g. ApiEndpoint)."


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["deplyo"], "'deploy'"),
        (["synht"], "'synth'"),
        (["cloud", "stat"], "'start'"),
        (["secret", "lst"], "'list'"),
    ],
)
def test_an_unknown_command_gets_the_closest_one(args: list[str], suggestion: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert f"No such command {args[-1]!r}. Did you mean {suggestion}?" in result.output


def test_a_command_far_from_any_lists_them() -> None:
    result = CliRunner().invoke(cli, ["zzzzzz"])
    assert result.exit_code == 2
    assert "No such command 'zzzzzz'. Commands: cloud, console, deploy" in result.output
    assert isinstance(cli, click.Group)
