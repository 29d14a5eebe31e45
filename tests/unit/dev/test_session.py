"""A dev session needs the local cloud; on an AWS target it says so before doing anything."""

from __future__ import annotations

import pytest

from squall.config import load_project
from squall.deploy.clients import Clients
from squall.dev.session import DevError, DevSession
from squall.dev.view import TerminalView
from tests.conftest import EXAMPLES


def test_aws_target_is_refused_with_a_clear_message() -> None:
    project = load_project(EXAMPLES / "url-shortener" / "squall.config.py", "dev", target="aws")
    made: list[str] = []
    clients = Clients(lambda service: made.append(service), target="aws", region="us-east-1", endpoint=None)
    with pytest.raises(DevError, match="against the local cloud") as raised:
        DevSession(project, clients=clients, view=TerminalView())
    assert "squall deploy --target aws" in (raised.value.hint or "")
    assert made == []  # no client was even made
