"""The dev console keeps its port and token across restarts, privately; a taken port is replaced."""

from __future__ import annotations

import json
import socket
import stat

from squall.console.address import address_file, serve_remembered
from tests.e2e.console.conftest import DeployedApp


def test_the_port_and_token_survive_a_restart(shortener: DeployedApp) -> None:
    first = serve_remembered(shortener.project, clients=shortener.clients).start()
    port, token = first.port, first.token
    first.stop()
    path = address_file(shortener.project)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == {"port": port, "token": token}

    again = serve_remembered(shortener.project, clients=shortener.clients).start()
    try:
        assert (again.port, again.token) == (port, token)
    finally:
        again.stop()

    squatter = socket.socket()
    squatter.bind(("127.0.0.1", port))
    squatter.listen(1)
    try:
        moved = serve_remembered(shortener.project, clients=shortener.clients).start()
        try:
            assert moved.port != port and moved.token == token
            assert json.loads(path.read_text()) == {"port": moved.port, "token": token}
        finally:
            moved.stop()
    finally:
        squatter.close()
