"""The bucket browser pages through a bucket: "More" loads the next page with its own cursor parameter.

The cursor once travelled as ``?token=``, the query parameter that carries the console's token, so "More"
answered 401 whenever a bucket held more than one page.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from squall import cloud
from squall.cloud import CloudInfo
from squall.config import load_project
from squall.console import ConsoleServer, serve
from squall.deploy import NullReporter, boto3_clients, deploy

APP = """
from squall import App, Stack
from squall.constructs import Bucket


def config(input):
    return {"name": "files", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(lambda stack: Bucket(stack, "Files"))
"""


@pytest.fixture(scope="module")
def bucket_console(
    console_cloud: CloudInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConsoleServer]:
    root = tmp_path_factory.mktemp("files-app")
    (root / "squall.config.py").write_text(textwrap.dedent(APP), encoding="utf-8")
    project = load_project(root / "squall.config.py", "e2e")
    clients = boto3_clients(
        target="local",
        region=project.graph.region,
        endpoint=console_cloud.endpoint,
        credentials=cloud.credentials(console_cloud.home),
    )
    deploy(project, clients=clients, reporter=NullReporter())
    s3 = clients("s3")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("files-e2e-files"))
    for index in range(12):
        s3.put_object(Bucket=bucket, Key=f"file-{index:02d}.txt", Body=b"x")
    server = serve(project, clients=clients).start()
    try:
        yield server
    finally:
        server.stop()


def test_more_loads_the_next_page_of_objects(page: Page, bucket_console: ConsoleServer) -> None:
    page.goto(bucket_console.url + "#/resources/bucket/Files")
    status = page.get_by_test_id("bucket-status")
    expect(status).to_have_text("12 objects", timeout=15_000)
    page.get_by_test_id("bucket-page-size").select_option("10")
    page.get_by_role("button", name="List").click()
    expect(status).to_have_text("10 objects (more available)", timeout=15_000)
    page.get_by_test_id("bucket-more").click()
    expect(status).to_have_text("12 objects", timeout=15_000)
    expect(page.get_by_test_id("bucket-object")).to_have_count(12)
