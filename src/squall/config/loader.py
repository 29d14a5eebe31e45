"""Load ``squall.config.py``: run the user's code, call ``config(input)`` and ``stacks(app)``.

Anything the user's code raises becomes a ``ConfigError`` pointing at their line (not ours), so a typo in
the config reads like a compiler message instead of a traceback through squall's internals.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from squall.app import IAM_MODES, App
from squall.config.stage import MAX_APP_LENGTH, name_problem, resolve_stage
from squall.errors import ConfigError, SquallError
from squall.graph.model import Graph
from squall.graph.synth import synthesize

CONFIG_FILE = "squall.config.py"
TARGETS = ("local", "aws")


@dataclass(frozen=True)
class Project:
    root: Path
    config_path: Path
    app: App
    graph: Graph


def find_config(start: Path, explicit: Path | None = None) -> Path:
    """``explicit`` if given, else the nearest ``squall.config.py`` from ``start`` upwards."""
    if explicit is not None:
        path = explicit.resolve()
        if path.is_dir():
            path = path / CONFIG_FILE
        if not path.is_file():
            raise ConfigError(f"config file {explicit} not found")
        return path
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / CONFIG_FILE
        if path.is_file():
            return path
    raise ConfigError(
        f"no {CONFIG_FILE} in {folder} or any folder above it",
        hint="run squall inside a project, pass --config PATH, or create one with 'squall init DIR'",
    )


def _user_error(exc: BaseException, config_path: Path, during: str) -> ConfigError:
    """The user's innermost line in their own files, with the exception's type and message."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return ConfigError(f"syntax error: {exc.msg}", where=f"{exc.filename}:{exc.lineno}")
    squall_dir = str(Path(__file__).resolve().parent.parent)
    user_frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(squall_dir) and not frame.filename.startswith("<frozen")
    ]
    where = f"{user_frames[-1].filename}:{user_frames[-1].lineno}" if user_frames else str(config_path)
    return ConfigError(f"{type(exc).__name__} raised {during}: {exc}", where=where)


def _run_module(config_path: Path) -> ModuleType:
    name = f"squall_user_config_{abs(hash(str(config_path)))}"
    spec = importlib.util.spec_from_file_location(name, config_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    root = str(config_path.parent)
    added = root not in sys.path
    if added:
        sys.path.insert(0, root)
    try:
        spec.loader.exec_module(module)
    except SquallError:
        raise
    except Exception as exc:
        raise _user_error(exc, config_path, f"while loading {config_path.name}") from exc
    finally:
        if added:
            sys.path.remove(root)
    return module


def _app_settings(module: ModuleType, config_path: Path, stage: str) -> dict[str, Any]:
    config_fn = getattr(module, "config", None)
    if not callable(config_fn):
        raise ConfigError(
            "does not define config(input)",
            where=str(config_path),
            hint='add: def config(input): return {"name": "my-app", "region": "us-east-1"}',
        )
    try:
        settings = config_fn({"stage": stage})
    except Exception as exc:
        raise _user_error(exc, config_path, "in config()") from exc
    line = config_fn.__code__.co_firstlineno
    where = f"{config_path}:{line}"
    if not isinstance(settings, dict):
        raise ConfigError(f"config() must return a dict, got {settings!r}", where=where)
    unknown = set(settings) - {"name", "region", "target", "iam"}
    if unknown:
        raise ConfigError(
            f"config() returned unknown key(s) {', '.join(sorted(unknown))}",
            where=where,
            hint="known keys: name, region, target, iam",
        )
    name = settings.get("name")
    if name is None:
        raise ConfigError("config() must return a 'name'", where=where)
    problem = name_problem(name, MAX_APP_LENGTH)
    if problem:
        raise ConfigError(f"invalid app name {name!r}: {problem}", where=where)
    target = settings.get("target", "local")
    if target not in TARGETS:
        raise ConfigError(f"invalid target {target!r}", where=where, hint="use 'local' or 'aws'")
    region = settings.get("region", "us-east-1")
    if not isinstance(region, str) or not region.replace("-", "").isalnum():
        raise ConfigError(f"invalid region {region!r}", where=where)
    iam = settings.get("iam", "enforce")
    if iam not in IAM_MODES:
        raise ConfigError(
            f"invalid iam {iam!r}",
            where=where,
            hint="use 'enforce' (the default: the local cloud denies what the function's role does not "
            "allow), 'warn' (report each denial and allow it) or 'off'",
        )
    return {"name": name, "region": region, "target": target, "iam": iam}


def load_app(config_path: Path, stage: str | None = None, target: str | None = None) -> App:
    root = config_path.parent
    resolved_stage = resolve_stage(root, stage)
    module = _run_module(config_path)
    settings = _app_settings(module, config_path, resolved_stage)
    if target is not None:
        if target not in TARGETS:
            raise ConfigError(f"invalid target {target!r}", hint="use 'local' or 'aws'")
        settings["target"] = target
    app = App(
        settings["name"],
        resolved_stage,
        settings["region"],
        settings["target"],
        root=root,
        iam=settings["iam"],
    )
    stacks_fn = getattr(module, "stacks", None)
    if not callable(stacks_fn):
        raise ConfigError(
            "does not define stacks(app)",
            where=str(config_path),
            hint="add: def stacks(app): app.stack(my_stack)",
        )
    try:
        stacks_fn(app)
    except SquallError:
        raise
    except Exception as exc:
        raise _user_error(exc, config_path, "while defining the stacks") from exc
    return app


def load_project(
    config: Path | None = None,
    stage: str | None = None,
    *,
    cwd: Path | None = None,
    target: str | None = None,
) -> Project:
    """Find, run and synthesize the app: the one entry point every command uses."""
    config_path = find_config(cwd or Path.cwd(), config)
    app = load_app(config_path, stage, target)
    return Project(config_path.parent, config_path, app, synthesize(app))
