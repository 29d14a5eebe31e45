"""S3's other ways to sign: presigned URLs (SigV4 and SigV2), POST policies, aws-chunked bodies."""

from __future__ import annotations

import calendar
import io
import time
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.auth import HmacV1Auth
from botocore.config import Config
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum
from urllib3 import encode_multipart_formdata

from squall.cloud.auth import chunked
from squall.cloud.auth.failures import AuthFailure
from squall.cloud.auth.keyring import KeyRing
from squall.cloud.auth.keys import AccessKey
from squall.cloud.auth.verify import Verifier
from tests.unit.cloud.auth.support import (
    ENDPOINT,
    HOME,
    SESSION,
    botocore_credentials,
    from_wire,
    incoming,
    signed,
    verifier,
)

KEYS = ["plain.txt", "dir/ünïcödé key+plus ~tilde!.txt", "a b/c%d/e=f&g", "✓/../x"]


@cache
def s3_client(version: str, key: AccessKey = HOME) -> Any:
    return boto3.Session(
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
        aws_session_token=key.session_token,
        region_name="us-east-1",
    ).client(
        "s3",
        endpoint_url=ENDPOINT,
        config=Config(signature_version=version, s3={"addressing_style": "path"}),
    )


def presigned_request(url: str, method: str = "GET", headers: list[tuple[str, str]] | None = None) -> Any:
    parts = urlsplit(url)
    return from_wire(method, parts.path, parts.query, [("Host", parts.netloc), *(headers or [])], b"")


@pytest.mark.parametrize("version", ["s3v4", "s3"])
@pytest.mark.parametrize("key", KEYS)
def test_presigned_get(version: str, key: str) -> None:
    url = s3_client(version).generate_presigned_url(
        "get_object",
        Params={"Bucket": "bucket", "Key": key, "ResponseContentDisposition": 'attachment; filename="x y"'},
        ExpiresIn=120,
    )
    assert verifier().verify(presigned_request(url), s3=True).principal.is_root


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_presigned_put_with_a_content_type(version: str) -> None:
    url = s3_client(version).generate_presigned_url(
        "put_object", Params={"Bucket": "bucket", "Key": "up.txt", "ContentType": "text/plain"}, ExpiresIn=60
    )
    request = presigned_request(url, "PUT", [("Content-Type", "text/plain")])
    assert verifier().verify(request, s3=True).service == "s3"


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_presigned_url_of_a_role_session(version: str) -> None:
    url = s3_client(version, SESSION).generate_presigned_url(
        "get_object", Params={"Bucket": "bucket", "Key": "k"}, ExpiresIn=60
    )
    assert verifier().verify(presigned_request(url), s3=True).principal.kind == "assumed-role"


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_an_expired_presigned_url(version: str) -> None:
    url = s3_client(version).generate_presigned_url(
        "get_object", Params={"Bucket": "bucket", "Key": "k"}, ExpiresIn=30
    )
    with pytest.raises(AuthFailure) as refused:
        verifier(clock=time.time() + 31).verify(presigned_request(url), s3=True)
    assert refused.value.kind == "expired"


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_a_presigned_url_for_another_key_or_method(version: str) -> None:
    url = s3_client(version).generate_presigned_url(
        "get_object", Params={"Bucket": "bucket", "Key": "mine"}, ExpiresIn=60
    )
    for method, changed in (("GET", url.replace("/mine?", "/theirs?")), ("DELETE", url)):
        with pytest.raises(AuthFailure) as refused:
            verifier().verify(presigned_request(changed, method), s3=True)
        assert refused.value.kind == "signature"


def test_a_week_is_the_longest_sigv4_presigned_url() -> None:
    url = s3_client("s3v4").generate_presigned_url(
        "get_object", Params={"Bucket": "bucket", "Key": "k"}, ExpiresIn=60
    )
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(presigned_request(url.replace("X-Amz-Expires=60", "X-Amz-Expires=604801")), s3=True)
    assert refused.value.kind == "malformed"


def test_sigv2_header_auth() -> None:
    request = signed(
        HmacV1Auth(botocore_credentials(HOME)),
        "PUT",
        ENDPOINT + "/bucket/dir/ünï%20x?acl",
        b"<acl/>",
        {"Content-Type": "application/xml", "X-Amz-Meta-A": "  b  ", "Content-MD5": "abc="},
    )
    assert verifier().verify(incoming(request), s3=True).principal.is_root
    with pytest.raises(AuthFailure) as refused:
        verifier(clock=time.time() + 3600).verify(incoming(request), s3=True)
    assert refused.value.kind == "skewed"


def post_body(fields: dict[str, str], content: bytes, filename: str = "page.html") -> tuple[bytes, str]:
    parts: list[tuple[str, Any]] = [*fields.items(), ("file", (filename, content, "text/html"))]
    body, content_type = encode_multipart_formdata(parts)
    return body, content_type


def form_request(url: str, fields: dict[str, str], content: bytes) -> Any:
    body, content_type = post_body(fields, content)
    parts = urlsplit(url)
    raw = [("Host", parts.netloc), ("Content-Type", content_type), ("Content-Length", str(len(body)))]
    return from_wire("POST", parts.path, parts.query, raw, body)


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_presigned_post(version: str) -> None:
    post = s3_client(version).generate_presigned_post(
        "bucket",
        "uploads/${filename}",
        Fields={"Content-Type": "text/plain", "x-amz-meta-who": "me"},
        Conditions=[
            ["starts-with", "$key", "uploads/"],
            {"Content-Type": "text/plain"},
            {"x-amz-meta-who": "me"},
            ["content-length-range", 1, 100],
        ],
        ExpiresIn=60,
    )
    assert verifier().verify(form_request(post["url"], post["fields"], b"hello"), s3=True).principal.is_root


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda fields: {**fields, "key": "elsewhere/x"}, "Policy Condition failed"),
        (lambda fields: {**fields, "x-amz-meta-extra": "1"}, "Extra input fields: x-amz-meta-extra"),
        (lambda fields: {**fields, "policy": fields["policy"][:-4] + "AAA="}, ""),
    ],
)
def test_a_post_outside_its_policy(change: Callable[[dict[str, str]], dict[str, str]], message: str) -> None:
    post = s3_client("s3v4").generate_presigned_post(
        "bucket", "uploads/x", Conditions=[["starts-with", "$key", "uploads/"]], ExpiresIn=60
    )
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(form_request(post["url"], change(post["fields"]), b"hello"), s3=True)
    assert message in refused.value.detail
    assert refused.value.kind in ("policy", "signature")


def test_a_too_large_post_and_an_expired_policy() -> None:
    post = s3_client("s3v4").generate_presigned_post(
        "bucket", "k", Conditions=[["content-length-range", 0, 3]], ExpiresIn=60
    )
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(form_request(post["url"], post["fields"], b"four"), s3=True)
    assert refused.value.detail == "Your proposed upload is too large."
    with pytest.raises(AuthFailure) as refused:
        verifier(clock=time.time() + 120).verify(form_request(post["url"], post["fields"], b"ok"), s3=True)
    assert refused.value.detail == "Invalid according to Policy: Policy expired."


def test_an_unsigned_form_post_is_missing_authentication() -> None:
    request = form_request(ENDPOINT + "/bucket", {"key": "stage/state.json"}, b"{}")
    with pytest.raises(AuthFailure) as refused:
        verifier().verify(request, s3=True)
    assert refused.value.kind == "missing"


# The example of AWS's "Signature calculations for the Authorization header: transferring payload in
# multiple chunks": 66,560 bytes of "a" in chunks of 65,536, 1,024 and 0 bytes, with the signatures AWS
# documents for them.
EXAMPLE_KEY = AccessKey("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
EXAMPLE_TIME = float(calendar.timegm((2013, 5, 24, 0, 0, 0, 0, 0, 0)))
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
CHUNKS = [
    (65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
    (1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
    (0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
]


def example_body(corrupt: bool = False, trailer: bytes = b"") -> bytes:
    body = b""
    for size, signature in CHUNKS:
        data = bytearray(b"a" * size)
        if corrupt and size == 1024:
            data[10] = ord("b")
        body += f"{size:x};chunk-signature={signature}\r\n".encode() + bytes(data) + b"\r\n"
    if trailer:
        body = body[:-2] + trailer
    return body


def example_request(body: bytes) -> Any:
    raw = [
        ("Host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        (
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
            f"x-amz-decoded-content-length;x-amz-storage-class,Signature={SEED}",
        ),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
        ("Content-Length", "66824"),
    ]
    return from_wire("PUT", "/examplebucket/chunkObject.txt", "", raw, body)


def example_verifier() -> Verifier:
    return Verifier(KeyRing(EXAMPLE_KEY), lambda: EXAMPLE_TIME)


def test_aws_example_of_a_signed_chunked_upload() -> None:
    body = example_body()
    assert len(body) == 66824
    verified = example_verifier().verify(example_request(body), s3=True)
    assert verified.body == b"a" * 66560
    assert verified.headers["content-length"] == "66560"
    assert "content-encoding" not in verified.headers
    assert verified.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"


def test_a_changed_chunk_is_refused() -> None:
    with pytest.raises(AuthFailure) as refused:
        example_verifier().verify(example_request(example_body(corrupt=True)), s3=True)
    assert refused.value.kind == "signature"


def test_a_dropped_or_cut_chunk_is_refused() -> None:
    body = example_body()
    dropped = body[: 88 + 65538] + body[88 + 65538 + 86 + 1026 :]
    for changed, kind in ((dropped, "signature"), (body[:1000], "incomplete_body")):
        with pytest.raises(AuthFailure) as refused:
            example_verifier().verify(example_request(changed), s3=True)
        assert refused.value.kind == kind


def test_a_signed_trailer_closes_the_chain() -> None:
    # the trailing headers and signature of the same example in the AWS common runtime's tests
    trailer = (
        b"\r\nfirst:1st\r\nsecond:2nd\r\nthird:3rd\r\n"
        b"x-amz-trailer-signature:df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c\r\n\r\n"
    )
    chain = chunked.Chain(
        key=__import__("squall.cloud.auth.sigv4", fromlist=["signing_key"]).signing_key(
            EXAMPLE_KEY.secret_access_key, "20130524", "us-east-1", "s3"
        ),
        timestamp="20130524T000000Z",
        scope="20130524/us-east-1/s3/aws4_request",
        seed=SEED,
    )
    decoded = chunked.decode(example_body(trailer=trailer), chunked.SIGNED_TRAILER, chain)
    assert decoded.payload == b"a" * 66560
    assert decoded.trailers == {"first": "1st", "second": "2nd", "third": "3rd"}
    with pytest.raises(AuthFailure):
        chunked.decode(example_body(trailer=trailer.replace(b"2nd", b"two")), chunked.SIGNED_TRAILER, chain)


def test_an_unsigned_trailer_body_as_botocore_writes_it() -> None:
    payload = b"hello world" * 1000
    body = AwsChunkedWrapper(
        io.BytesIO(payload), checksum_cls=Crc32Checksum, checksum_name="x-amz-checksum-crc32", chunk_size=4096
    ).read()
    chain = chunked.Chain(b"", "", "", "")
    decoded = chunked.decode(body, chunked.UNSIGNED_TRAILER, chain)
    assert decoded.payload == payload
    assert set(decoded.trailers) == {"x-amz-checksum-crc32"}
