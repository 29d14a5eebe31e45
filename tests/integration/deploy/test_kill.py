"""Deploys (and removes) killed with SIGKILL at random points always converge on the next deploy.

Each round starts ``squall deploy`` (or ``squall remove``) as a subprocess and kills it a seeded random
moment after it reports its first finished resource, so the kill lands while it is changing things; then it
deploys in-process and checks: the plan is empty, every resource exists once (no duplicate
API, integration, route or mapping), and finally a remove leaves nothing of the stage behind.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from squall.cloud import CloudInfo
from squall.deploy import Clients, deploy, diff, remove
from tests.integration.deploy.helpers import leftovers, load
from tests.squall_process import SquallProcess

ROUNDS = 12
PROGRESS = {"created", "updated", "deleted", "replaced"}
EXTRA_ROUTE = '\n            "DELETE /{code}": "functions/stats.handler",'
ANCHOR = '"GET /{code}": "functions/redirect.handler",'


def variant(root: Path, extra: bool) -> None:
    config = root / "squall.config.py"
    text = config.read_text().replace(EXTRA_ROUTE, "")
    if extra:
        text = text.replace(ANCHOR, ANCHOR + EXTRA_ROUTE)
    config.write_text(text)


def test_killed_deploys_converge(
    shortener: Path, stage: str, clients: Clients, local_cloud: CloudInfo, local_cloud_home: Path
) -> None:
    rng = random.Random(20240601)
    env = {
        **os.environ,
        "SQUALL_HOME": str(local_cloud_home),
        "SQUALL_CLOUD_PORT": str(local_cloud.port),
        "SQUALL_STAGE": stage,
    }
    prefix = f"url-shortener-{stage}-"
    apigw = clients("apigatewayv2")
    killed_mid_run = 0
    for round_ in range(ROUNDS):
        variant(shortener, extra=round_ % 2 == 0)  # always something to change
        command = ["remove", "--yes"] if round_ % 4 == 3 else ["deploy"]
        process = SquallProcess(command, cwd=shortener, env=env)
        try:
            process.wait_for(lambda line: line.split(" ", 1)[0] in PROGRESS, timeout=60)
            pause = time.monotonic() + rng.uniform(0.0, 0.1)
            while time.monotonic() < pause and process.process.poll() is None:
                time.sleep(0.005)
        except AssertionError:
            pass  # it finished (or failed) before reporting progress: nothing to interrupt
        if process.process.poll() is None:
            killed_mid_run += 1
        process.kill()

        variant(shortener, extra=rng.random() < 0.5)
        project = load(shortener, stage)
        deploy(project, clients=clients)
        assert diff(project, clients=clients).is_empty, f"round {round_}: not converged"
        apis = [a for a in apigw.get_apis()["Items"] if a["Name"] == f"{prefix}Api"]
        assert len(apis) == 1, f"round {round_}: {len(apis)} APIs"
        routes = apigw.get_routes(ApiId=apis[0]["ApiId"])["Items"]
        wanted = {r.properties["RouteKey"] for r in project.graph.of_type("AWS::ApiGatewayV2::Route")}
        assert sorted(r["RouteKey"] for r in routes) == sorted(wanted), f"round {round_}"
        integrations = apigw.get_integrations(ApiId=apis[0]["ApiId"])["Items"]
        assert len(integrations) == len(wanted), f"round {round_}: orphan integrations"
        functions = {r.physical_name for r in project.graph.of_type("AWS::Lambda::Function")}
        assert set(leftovers(clients, prefix)["functions"]) == functions, f"round {round_}"
    assert killed_mid_run >= ROUNDS // 2, "the delays should interrupt most runs"
    remove(load(shortener, stage), clients=clients)
    assert leftovers(clients, prefix) == {}
