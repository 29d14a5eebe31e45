"""What an authorizer costs a request: a route behind a Cognito user pool (JWT) or a Lambda authorizer, against
the same function on a public route of the same API, in the same run.

Run as ``python bench/bench_authorizers.py``. It starts a local cloud on a free port with a temporary
``SQUALL_HOME``, deploys a small app with squall's deployer (a user pool, a JWT and a cached Lambda
authorizer), signs a user in with boto3, and measures the p50 of single requests on one kept-alive
connection over loopback. The peer is the public route; ``ratio`` is public p50 / guarded p50 (1.0: free).
"""

from __future__ import annotations

import http.client
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import botocore
import botocore.config

from squall import cloud
from squall.config import load_project
from squall.deploy import boto3_clients, deploy

REQUESTS = 400
CONFIG = """
from squall import App, Stack
from squall.constructs import Api, Cognito


def config(input):
    return {"name": "benchauth", "region": "us-east-1"}


def stacks(app: App) -> None:
    app.stack(main)


def main(stack: Stack) -> None:
    auth = Cognito(stack, "Auth", login=["email"])
    fn = "functions/ok.handler"
    api = Api(stack, "Api",
              authorizers={"users": {"type": "user_pool", "user_pool": auth},
                           "custom": {"type": "lambda", "function": "functions/allow.handler", "ttl": 300}},
              routes={"GET /public": fn,
                      "GET /jwt": {"function": fn, "authorizer": "users"},
                      "GET /lambda": {"function": fn, "authorizer": "custom"}})
    stack.add_outputs({"ApiEndpoint": api.url, "UserPoolId": auth.user_pool_id, "ClientId": auth.client_id})
"""
OK = 'def handler(event, context):\n    return {"statusCode": 200, "body": "ok"}\n'
ALLOW = 'def handler(event, context):\n    return {"isAuthorized": True, "context": {"user": "bench"}}\n'


def p50_ms(url: str, token: str | None) -> float:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    headers = {"Authorization": token} if token else {}
    latencies: list[float] = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        connection.request("GET", parts.path, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise RuntimeError(f"GET {url} answered {response.status}")
    connection.close()
    return statistics.median(latencies[REQUESTS // 10 :])


def id_token(endpoint: str, clients: object, pool_id: str, client_id: str) -> str:
    unsigned = botocore.config.Config(signature_version=botocore.UNSIGNED)
    user = boto3.Session(region_name="us-east-1").client(
        "cognito-idp", endpoint_url=endpoint, config=unsigned
    )
    user.sign_up(ClientId=client_id, Username="bench@example.com", Password="Corr3ct-Horse!")
    clients("cognito-idp").admin_confirm_sign_up(UserPoolId=pool_id, Username="bench@example.com")  # type: ignore[operator]
    result = user.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "bench@example.com", "PASSWORD": "Corr3ct-Horse!"},
    )
    return str(result["AuthenticationResult"]["IdToken"])


def line(name: str, value: float, peer: float) -> str:
    return (
        f"{name}: {value:.3f} ms (target report; peer public route: {peer:.3f} ms; ratio {peer / value:.2f}x)"
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="squall-bench-authz-") as tmp:
        home, root = Path(tmp) / "home", Path(tmp) / "app"
        (root / "functions").mkdir(parents=True)
        (root / "functions" / "ok.py").write_text(OK)
        (root / "functions" / "allow.py").write_text(ALLOW)
        (root / "squall.config.py").write_text(textwrap.dedent(CONFIG).lstrip())
        info = cloud.start(home, port=0)
        assert info is not None
        try:
            clients = boto3_clients(
                target="local",
                region="us-east-1",
                endpoint=info.endpoint,
                credentials=cloud.credentials(home),
            )
            out = deploy(load_project(root / "squall.config.py", "bench"), clients=clients).outputs
            url = out["ApiEndpoint"]
            token = id_token(info.endpoint, clients, out["UserPoolId"], out["ClientId"])
            for path, auth in (("/public", None), ("/jwt", token), ("/lambda", "key")):
                p50_ms(url + path, auth)  # warm every worker and cache first
            public = p50_ms(url + "/public", None)
            guarded_jwt = p50_ms(url + "/jwt", token)
            guarded_lambda = p50_ms(url + "/lambda", "key")
        finally:
            cloud.stop(home)
    print(line("http_p50_jwt_authorizer", guarded_jwt, public))
    print(line("http_p50_lambda_authorizer_cached", guarded_lambda, public))
    return 0


if __name__ == "__main__":
    sys.exit(main())
