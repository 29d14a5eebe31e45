"""Fixtures for running real worker processes: a function's code folder and a pool factory."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from squall.runtime import FunctionPool, FunctionSpec

MakePool = Callable[..., FunctionPool]


def write_code(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))


@pytest.fixture
def make_pool(tmp_path: Path) -> Iterator[MakePool]:
    """``make_pool(files, handler="functions/app.handler", **spec_fields)``: a pool over fresh code."""
    pools: list[FunctionPool] = []

    def make(files: dict[str, str], handler: str = "functions/app.handler", **kwargs: object) -> FunctionPool:
        pool_args = {
            k: kwargs.pop(k)
            for k in (
                "on_event",
                "on_log",
                "endpoint_url",
                "credentials",
                "compile_from_source",
                "fork_from_template",
                "idle_timeout",
            )
            if k in kwargs
        }
        code = tmp_path / f"code{len(pools)}"
        write_code(code, files)
        spec = FunctionSpec(
            name=str(kwargs.pop("name", "app-dev-fn")), code_dir=code, handler=handler, **kwargs
        )  # type: ignore[arg-type]
        pool = FunctionPool(spec, **pool_args)  # type: ignore[arg-type]
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.close()
