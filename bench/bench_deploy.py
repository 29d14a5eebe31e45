"""Deploy speed: the url-shortener to a local cloud started here (temporary SQUALL_HOME).

Prints ``name: value unit (target ...)`` lines: full deploy, no-op deploy, one handler edited, remove; then
the peer, ``chalice deploy`` of an equivalent 3-route app against the same local cloud, and the ratio.
Run: ``python bench/bench_deploy.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STAGE = "bench"

CHALICE_APP = """
from chalice import Chalice

app = Chalice(app_name="shortener-peer")


@app.route("/shorten", methods=["POST"])
def shorten():
    return {"code": "abc"}


@app.route("/{code}")
def redirect(code):
    return {"code": code}


@app.route("/stats/{code}")
def stats(code):
    return {"code": code, "clicks": 0}
"""


def line(name: str, value: float, unit: str, target: str) -> None:
    print(f"{name}: {value:.3f} {unit} (target {target})", flush=True)


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def squall_cli_deploy(root: Path, stage: str) -> float:
    """``squall deploy`` as a user runs it (a new process each time), for a like-for-like comparison."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "squall.cli", "deploy", "--stage", stage],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return time.perf_counter() - start


def chalice_project(workdir: Path) -> Path | None:
    chalice = shutil.which("chalice", path=str(Path(sys.executable).parent)) or shutil.which("chalice")
    if chalice is None:
        return None
    project = workdir / "shortener-peer"
    subprocess.run([chalice, "new-project", "shortener-peer"], cwd=workdir, check=True, capture_output=True)
    (project / "app.py").write_text(textwrap.dedent(CHALICE_APP).lstrip())
    return project


def chalice_deploy(project: Path | None, endpoint: str, env: dict[str, str]) -> tuple[float | None, str]:
    chalice = shutil.which("chalice", path=str(Path(sys.executable).parent)) or shutil.which("chalice")
    if chalice is None or project is None:
        return None, "chalice is not installed (pip install chalice)"
    from squall import cloud
    from squall.cloud.auth.profile import environment

    # what `eval "$(squall cloud env)"` gives a shell: the endpoint and the local cloud's key pair
    peer_env = {k: v for k, v in env.items() if k not in ("AWS_SESSION_TOKEN", "AWS_PROFILE")}
    peer_env.update(environment(endpoint, cloud.credentials(), "us-east-1"))
    start = time.perf_counter()
    result = subprocess.run(
        [chalice, "deploy", "--stage", "dev"],
        cwd=project,
        env=peer_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()
        if "apigateway" in output and "does not serve" in output:
            return None, (
                "chalice deploys REST APIs (API Gateway v1), which the local cloud does not serve "
                "(it serves API Gateway v2 only)"
            )
        lines = output.splitlines()
        return None, lines[-1].strip() if lines else f"exit code {result.returncode}"
    return elapsed, ""


def main() -> None:
    from squall import cloud
    from squall.config import load_project
    from squall.deploy import boto3_clients, deploy, remove

    with tempfile.TemporaryDirectory(prefix="squall-bench-") as temp:
        workdir = Path(temp)
        home = workdir / "home"
        os.environ["SQUALL_HOME"] = str(home)
        info = cloud.start(home, port=0)
        assert info is not None
        try:
            root = workdir / "url-shortener"
            shutil.copytree(
                REPO / "examples" / "url-shortener", root, ignore=shutil.ignore_patterns(".squall")
            )
            config = root / "squall.config.py"
            clients = boto3_clients(target="local", region="us-east-1", endpoint=info.endpoint)

            def run_deploy() -> None:
                deploy(load_project(config, STAGE), clients=clients)

            full = timed(run_deploy)
            line("full deploy", full, "s", "<= 3 s")
            line("no-op deploy", timed(run_deploy), "s", "<= 0.5 s")
            handler = root / "functions" / "redirect.py"
            handler.write_text(handler.read_text() + "\n# edited\n")
            line("one handler edited", timed(run_deploy), "s", "<= 1 s")
            line("remove", timed(lambda: remove(load_project(config, STAGE), clients=clients)), "s", "<= 2 s")

            # Like for like with the peer: both as command-line tools, a new process each time.
            cli_full = squall_cli_deploy(root, "cli")
            cli_noop = squall_cli_deploy(root, "cli")
            line("full deploy, squall deploy command", cli_full, "s", "<= 3 s")
            line("no-op deploy, squall deploy command", cli_noop, "s", "<= 0.5 s plus process start")
            project = chalice_project(workdir)
            peer, reason = chalice_deploy(project, info.endpoint, dict(os.environ))
            if peer is None:
                print(f"peer chalice deploy: not measured: {reason}", flush=True)
            else:
                again, _ = chalice_deploy(project, info.endpoint, dict(os.environ))
                line("peer chalice deploy (full)", peer, "s", "reference")
                print(f"ratio chalice/squall full deploy (commands): {peer / cli_full:.1f}x", flush=True)
                if again is not None:
                    line("peer chalice deploy (no change)", again, "s", "reference")
                    print(
                        f"ratio chalice/squall no-op deploy (commands): {again / cli_noop:.1f}x", flush=True
                    )
        finally:
            cloud.stop(home)


if __name__ == "__main__":
    main()
