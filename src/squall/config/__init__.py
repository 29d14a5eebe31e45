"""Finding and running an app's ``squall.config.py``, and resolving its stage."""

from squall.config.loader import CONFIG_FILE, Project, find_config, load_project
from squall.config.stage import resolve_stage

__all__ = ["CONFIG_FILE", "Project", "find_config", "load_project", "resolve_stage"]
