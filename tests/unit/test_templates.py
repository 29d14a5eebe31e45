"""The url-shortener template that ``squall init`` copies is the example, file for file."""

from __future__ import annotations

from pathlib import Path

from squall.scaffold import TEMPLATE_DIR
from tests.conftest import EXAMPLES


def files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and ".squall" not in path.parts
    }


def test_url_shortener_template_matches_the_example() -> None:
    assert files(TEMPLATE_DIR / "url-shortener") == files(EXAMPLES / "url-shortener")
