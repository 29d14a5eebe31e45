"""Project templates shipped in the package (``squall/templates/<name>``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from squall.config.stage import MAX_APP_LENGTH, name_problem
from squall.errors import SquallError

TEMPLATES = ("url-shortener", "minimal", "auth")
TEMPLATE_DIR = Path(__file__).parent / "templates"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".squall")
GITIGNORE = """\
# squall's per-user state (the personal stage, dev files) and the types `squall types` generates
.squall/
__pycache__/
"""


def app_name_for(directory: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9-]+", "-", directory.resolve().name).strip("-")
    if not name or not name[0].isalpha():
        name = f"app-{name}".rstrip("-")
    return name[:MAX_APP_LENGTH].rstrip("-")


def scaffold(directory: Path, template: str) -> str:
    """Copy ``template`` into ``directory`` (new or empty), named after the folder; returns the app name."""
    if template not in TEMPLATES:
        raise SquallError(f"unknown template {template!r}", hint=f"use one of {', '.join(TEMPLATES)}")
    if directory.exists() and any(directory.iterdir()):
        raise SquallError(f"{directory} is not empty", hint="choose a new folder")
    name = app_name_for(directory)
    assert name_problem(name, MAX_APP_LENGTH) is None
    shutil.copytree(TEMPLATE_DIR / template, directory, ignore=IGNORED, dirs_exist_ok=True)
    config = directory / "squall.config.py"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r'"name": "[^"]*"', f'"name": "{name}"', text, count=1)
    config.write_text(text, encoding="utf-8")
    gitignore = directory / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(GITIGNORE, encoding="utf-8")
    return name
