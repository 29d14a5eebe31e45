"""Fixtures for the console's browser tests: a deployed url-shortener, a console over it, headless Chromium.

One local cloud per test session (so one per ``pytest -n`` worker); the app is deployed into it once with
the real deployer, and each test gets a fresh browser page. Screenshots go to ``artifacts/console/``.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from squall import cloud
from squall.cloud import CloudInfo
from squall.config import load_project
from squall.config.loader import Project
from squall.console import ConsoleServer, serve
from squall.deploy import Clients, NullReporter, boto3_clients, deploy

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "artifacts" / "console"


@dataclass(frozen=True)
class DeployedApp:
    project: Project
    clients: Clients
    endpoint: str
    """The API's URL."""

    def request(self, method: str, path: str, body: object | None = None) -> tuple[int, dict[str, object]]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json"} if data is not None else {}
        request = urllib.request.Request(self.endpoint + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read() or b"{}")

    def shorten(self, url: str) -> str:
        status, body = self.request("POST", "/shorten", {"url": url})
        assert status == 201, body
        return str(body["shortCode"])


@pytest.fixture(scope="session")
def console_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudInfo]:
    home = tmp_path_factory.mktemp("console-cloud")
    info = cloud.start(home, port=0)
    assert info is not None
    try:
        yield info
    finally:
        cloud.stop(home)


def deploy_copy(
    example: Path, workdir: Path, info: CloudInfo, stage: str
) -> tuple[Project, Clients, dict[str, str]]:
    root = workdir / example.name
    shutil.copytree(example, root)
    project = load_project(root / "squall.config.py", stage)
    clients = boto3_clients(
        target="local",
        region=project.graph.region,
        endpoint=info.endpoint,
        credentials=cloud.credentials(info.home),
    )
    result = deploy(project, clients=clients, reporter=NullReporter())
    return project, clients, result.outputs


@pytest.fixture(scope="session")
def shortener(console_cloud: CloudInfo, tmp_path_factory: pytest.TempPathFactory) -> DeployedApp:
    """examples/url-shortener deployed to the session's local cloud with ``squall.deploy.deploy``."""
    project, clients, outputs = deploy_copy(
        REPO / "examples" / "url-shortener", tmp_path_factory.mktemp("app"), console_cloud, "e2e"
    )
    return DeployedApp(project, clients, outputs["ApiEndpoint"].rstrip("/"))


@pytest.fixture(scope="session")
def console(shortener: DeployedApp) -> Iterator[ConsoleServer]:
    server = serve(shortener.project, clients=shortener.clients).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 860})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def unique_url() -> str:
    return f"https://example.com/{uuid.uuid4().hex}"
