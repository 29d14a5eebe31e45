"""Handler output in the ``squall dev`` terminal: under its invocation's line, hidden with ``--no-logs``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from squall.cloud import CloudInfo
from tests.e2e.dev.devapp import get, make_app, start_dev


def test_a_handlers_print_appears_under_its_invocation(
    tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
) -> None:
    root = make_app(tmp_path / "app")
    dev, url = start_dev(root, local_cloud_home, unique_name("logs"))
    try:
        assert get(f"{url}/hello?first") == 200
        assert get(f"{url}/quiet") == 204
        dev.wait_for(lambda line: "ApiGetQuiet" in line)
        lines = dev.output.splitlines()
        at = next(i for i, line in enumerate(lines) if "ApiGetHello" in line and "GET /hello" in line)
        assert lines[at + 1].strip() == "hello from print first", lines[at:]
        assert lines[at + 2].strip().startswith("[INFO]") and lines[at + 2].endswith("hello from logging")
        assert "ApiGetQuiet" in lines[at + 3]  # the lines of one invocation are under it, and only them
        assert "START RequestId" not in dev.output and "REPORT RequestId" not in dev.output
        assert dev.interrupt() == 0
    finally:
        dev.kill()


def test_no_logs_hides_the_handlers_output(
    tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
) -> None:
    root = make_app(tmp_path / "app")
    dev, url = start_dev(root, local_cloud_home, unique_name("nologs"), "--no-logs")
    try:
        assert get(f"{url}/hello?second") == 200
        assert get(f"{url}/quiet") == 204
        dev.wait_for(lambda line: "ApiGetQuiet" in line)
        assert "ApiGetHello" in dev.output and "hello from print" not in dev.output
        assert dev.interrupt() == 0
    finally:
        dev.kill()
