"""The README's examples are executable: its config synthesizes, its JSON parses, its commands exist."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from squall.cli.main import COMMANDS
from squall.config import load_project
from tests.conftest import EXAMPLES, REPO

README = (REPO / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_the_two_commands_come_first() -> None:
    first = blocks("bash")[0].strip().splitlines()
    assert [line.split("#")[0].strip() for line in first] == ["./run dev", "./run test"]
    assert (REPO / "run").stat().st_mode & 0o111
    assert "./run test" in (REPO / ".ci" / "run").read_text()


def test_python_examples_compile_and_the_config_synthesizes(tmp_path: Path) -> None:
    python = blocks("python")
    for source in python:
        compile(source, "README.md", "exec")
    config = next(source for source in python if "def stacks" in source)
    root = tmp_path / "app"
    shutil.copytree(EXAMPLES / "url-shortener" / "functions", root / "functions")
    (root / "squall.config.py").write_text(config)
    graph = load_project(root / "squall.config.py", "readme").graph
    assert len(graph.of_type("AWS::Lambda::Function")) == 3


def test_json_examples_parse() -> None:
    for source in blocks("json"):
        json.loads(source)


def test_every_command_mentioned_exists() -> None:
    mentioned = set(re.findall(r"`squall ([a-z]+)", README))
    assert mentioned, "the README names its commands"
    assert mentioned <= set(COMMANDS), mentioned - set(COMMANDS)
