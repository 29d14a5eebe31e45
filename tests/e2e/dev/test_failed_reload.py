"""The dev terminal never claims a reload that failed: a syntax error or a failing import is reported as such."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from squall.cloud import CloudInfo
from tests.e2e.dev.devapp import get, make_app, start_dev


def test_a_broken_save_is_not_called_a_reload(
    tmp_path: Path, local_cloud: CloudInfo, local_cloud_home: Path, unique_name: Callable[[str], str]
) -> None:
    root = make_app(tmp_path / "app")
    dev, url = start_dev(root, local_cloud_home, unique_name("broken"))
    hello = root / "functions" / "hello.py"
    good = hello.read_text()
    try:
        hello.write_text(good.replace("def handler(", "def handler(:"))
        dev.wait_for(lambda line: "functions/hello.py:" in line and "SyntaxError" in line, timeout=30)
        failed = dev.wait_for(lambda line: "failed to reload" in line, timeout=30)
        assert "ApiGetHello" in failed and "functions/hello.py" in failed
        assert get(f"{url}/hello") == 500

        hello.write_text(good.replace("import logging", "import logging\nundefined_name"))
        failed = dev.wait_for(lambda line: "NameError" in line, timeout=30)
        assert "ApiGetHello" in failed
        dev.wait_for(lambda line: dev.output.count("failed to reload") == 2, timeout=30)

        hello.write_text(good)
        dev.wait_for(lambda line: "reloaded ApiGetHello" in line, timeout=30)
        assert "reloaded" not in dev.output.split("reloaded ApiGetHello", 1)[0]  # no earlier claim
        assert get(f"{url}/hello") == 200
        assert dev.interrupt() == 0
    finally:
        dev.kill()
