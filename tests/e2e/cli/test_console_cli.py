"""``squall console --no-open`` prints its URL once and serves the stage there."""

from __future__ import annotations

import shutil
import urllib.request
from pathlib import Path

from squall.cloud import CloudInfo
from tests.conftest import EXAMPLES
from tests.squall_process import SquallProcess


def test_no_open_prints_the_url_once(tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path) -> None:
    root = tmp_path / "url-shortener"
    shutil.copytree(EXAMPLES / "url-shortener", root, ignore=shutil.ignore_patterns(".squall", "__pycache__"))
    console = SquallProcess(
        ["console", "--no-open", "--stage", "cli"], cwd=root, env={"SQUALL_HOME": str(local_cloud_home)}
    )
    try:
        line = console.wait_for(lambda text: "http://127.0.0.1:" in text, timeout=60)
        url = line[line.index("http://") :].strip()
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200
        assert console.output.count("http://127.0.0.1:") == 1, console.output
        assert console.interrupt() == 0
    finally:
        console.kill()
