"""The url-shortener template that ``squall init`` copies is the example itself, not a copy of it."""

from __future__ import annotations

from squall.scaffold import TEMPLATE_DIR, TEMPLATES
from tests.conftest import EXAMPLES


def test_the_example_is_the_template() -> None:
    assert (EXAMPLES / "url-shortener").resolve() == (TEMPLATE_DIR / "url-shortener").resolve()


def test_every_template_has_a_config_and_handlers() -> None:
    for name in TEMPLATES:
        assert (TEMPLATE_DIR / name / "squall.config.py").is_file()
        assert list((TEMPLATE_DIR / name / "functions").glob("*.py"))
