"""Daemon management: clear errors, side-by-side homes, stale pid files, the CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from squall import cloud
from squall.cloud.errors import CloudAlreadyRunning, CloudNotStarted, PortInUse
from squall.cloud.info import CloudPaths
from tests.integration.cloud.conftest import Daemons

SQUALL = Path(sys.executable).parent / "squall"


def test_port_in_use_is_reported(daemons: Daemons) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse) as caught:
            daemons.start(daemons.home(), port=port)
    assert f"port {port}" in str(caught.value) and "already in use" in str(caught.value)


def test_second_start_says_it_already_runs(daemons: Daemons) -> None:
    home = daemons.home()
    info = daemons.start(home)
    with pytest.raises(CloudAlreadyRunning) as caught:
        daemons.start(home)
    assert f"already running at {info.endpoint}" in str(caught.value)
    assert cloud.ensure_running(home) == info


def test_unwritable_data_folder_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(CloudNotStarted) as caught:
        cloud.start(blocker / "home", port=0)
    assert "cannot write the local cloud's data folder" in str(caught.value)


def test_two_homes_side_by_side(daemons: Daemons) -> None:
    first, second = daemons.start(daemons.home("one")), daemons.start(daemons.home("two"))
    assert first.port != second.port
    daemons.clients(first)("ssm").put_parameter(Name="/which", Value="one", Type="String")
    daemons.clients(second)("ssm").put_parameter(Name="/which", Value="two", Type="String")
    assert daemons.clients(first)("ssm").get_parameter(Name="/which")["Parameter"]["Value"] == "one"
    assert daemons.clients(second)("ssm").get_parameter(Name="/which")["Parameter"]["Value"] == "two"


def test_stale_pid_file_is_cleaned_up(daemons: Daemons) -> None:
    home = daemons.home()
    info = daemons.start(home)
    daemons.kill9(info)
    paths = CloudPaths.under(home)
    assert paths.pid_file.exists()
    assert cloud.status(home) is None
    assert not paths.pid_file.exists()
    assert cloud.stop(home) is False
    assert cloud.ensure_running(home, port=0).pid != info.pid


def test_reset_wipes_data_and_keeps_it_running(daemons: Daemons) -> None:
    home = daemons.home()
    info = daemons.start(home)
    daemons.clients(info)("ssm").put_parameter(Name="/gone", Value="v", Type="String")
    cloud.reset(home)
    after = cloud.status(home)
    assert after is not None
    names = [p["Name"] for p in daemons.clients(after)("ssm").describe_parameters()["Parameters"]]
    assert "/gone" not in names


def _squall(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SQUALL_HOME": str(home)}
    return subprocess.run(
        [str(SQUALL), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_cli_start_status_stop(tmp_path: Path) -> None:
    home = tmp_path / "home"
    try:
        started = _squall(home, "cloud", "start", "--port", "0")
        assert started.returncode == 0, started.stderr
        assert "running at http://127.0.0.1:" in started.stdout

        status = _squall(home, "cloud", "status", "--json")
        document = json.loads(status.stdout)
        assert document["endpoint"].startswith("http://127.0.0.1:")
        assert isinstance(document["pid"], int) and document["uptime"] >= 0
        assert document["data"] == str(home / "cloud")

        again = _squall(home, "cloud", "start", "--port", "0")
        assert again.returncode != 0
        assert "already running" in again.stderr and "Traceback" not in again.stderr

        stopped = _squall(home, "cloud", "stop")
        assert stopped.returncode == 0 and "stopped" in stopped.stdout
        assert json.loads(_squall(home, "cloud", "status", "--json").stdout)["pid"] is None
    finally:
        cloud.stop(home)


def test_foreground_start_prints_the_port_it_really_listens_on(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        remembered = probe.getsockname()[1]
    (home / "cloud").mkdir(parents=True)
    (home / "cloud" / "last.port").write_text(f"{remembered}\n")  # this home's port, not 4590
    env = {**os.environ, "SQUALL_HOME": str(home)}
    env.pop("SQUALL_CLOUD_PORT", None)
    process = subprocess.Popen(
        [str(SQUALL), "cloud", "start", "--foreground"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"running at http://127.0.0.1:{remembered} " in line, line
        info = cloud.status(home)
        assert info is not None and info.port == remembered
    finally:
        process.terminate()
        process.communicate(timeout=60)
