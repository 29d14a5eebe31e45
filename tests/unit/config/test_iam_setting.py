"""``config()``'s ``iam`` setting: validated where it is written, and carried to each function's role."""

from __future__ import annotations

import pytest

from squall.config import load_project
from squall.errors import ConfigError
from tests.conftest import ProjectFactory

CONFIG = """
from squall.constructs import Function


def config(input):
    return {{"name": "demo"{setting}}}


def stacks(app):
    app.stack(main)


def main(stack):
    Function(stack, "Fn", handler="functions/ok.handler")
"""
HANDLER = {"functions/__init__.py": "", "functions/ok.py": "def handler(event, context):\n    return 'ok'\n"}


def role(make_project: ProjectFactory, setting: str, name: str) -> dict[str, object]:
    root = make_project(CONFIG.format(setting=setting), HANDLER, name=name)
    (found,) = load_project(root / "squall.config.py", "dev").graph.of_type("AWS::IAM::Role")
    return found.properties


def test_enforce_is_the_default(make_project: ProjectFactory) -> None:
    assert "IamMode" not in role(make_project, "", "default")
    assert "IamMode" not in role(make_project, ', "iam": "enforce"', "enforce")


@pytest.mark.parametrize("mode", ["warn", "off"])
def test_warn_and_off_are_carried_to_the_role(make_project: ProjectFactory, mode: str) -> None:
    assert role(make_project, f', "iam": "{mode}"', mode)["IamMode"] == mode


def test_an_unknown_mode_is_refused_at_config_with_the_choices(make_project: ProjectFactory) -> None:
    root = make_project(CONFIG.format(setting=', "iam": "strict"'), HANDLER)
    with pytest.raises(ConfigError) as caught:
        load_project(root / "squall.config.py", "dev")
    assert "invalid iam 'strict'" in caught.value.message
    assert "squall.config.py:4" in str(caught.value.where)
    assert "'warn'" in str(caught.value.hint)
