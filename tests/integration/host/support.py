"""Helpers for the function host's tests: zip handlers, poll with a deadline, raw HTTP requests."""

from __future__ import annotations

import http.client
import io
import json
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


def zip_files(files: Mapping[str, str], vendored: Sequence[str] = ()) -> bytes:
    """A function's package: ``files`` (sources), and the installed packages ``vendored`` needs, as a
    build installs dependencies into the package (a function sees nothing of the test's environment)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, textwrap.dedent(source))
        for name, path in installed_files(vendored):
            archive.write(path, name)
    return buffer.getvalue()


PROVIDED_BY_THE_RUNTIME = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"}
)


def installed_files(modules: Sequence[str]) -> list[tuple[str, Path]]:
    """(name in the package, file) of every installed top-level package that importing ``modules`` loads."""
    if not modules:
        return []
    script = (
        f"import sys, sysconfig\nimport {', '.join(modules)}\n"
        "site = sysconfig.get_paths()['purelib']\n"
        "for m in list(sys.modules.values()):\n"
        "    if '.' in m.__name__: continue\n"
        "    for f in [*getattr(m, '__path__', []), getattr(m, '__file__', None) or '']:\n"
        "        if f.startswith(site): print(m.__name__, f)\n"
    )
    answer = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    site = Path(sysconfig.get_paths()["purelib"])
    found: list[tuple[str, Path]] = []
    for line in answer.stdout.splitlines():
        top, file = line.split(" ", 1)
        if top in PROVIDED_BY_THE_RUNTIME:
            continue
        path = Path(file)
        if path.is_dir() or path.name == "__init__.py":  # a package, namespace packages included
            folder = path if path.is_dir() else path.parent
            for item in sorted(folder.rglob("*")):
                if item.is_file() and "__pycache__" not in item.parts:
                    found.append((item.relative_to(site).as_posix(), item))
        else:
            found.append((path.relative_to(site).as_posix(), path))
    return sorted(set(found))


@dataclass(frozen=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    endpoint: str,
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes | None = None,
    timeout: float = 60.0,
) -> Response:
    """One request exactly as given: ``target`` is sent unchanged, headers in order with repeats."""
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        connection.close()
