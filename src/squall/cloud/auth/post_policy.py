"""S3 POST uploads (browser forms): the policy's signature, expiry and conditions, as S3 checks them.

A form upload carries no ``Authorization``: its fields hold a base64 policy document, the credential and
``x-amz-signature``, the HMAC of the policy under the signing key ("Browser-based uploads using POST",
AWS Signature Version 4). The policy names when it expires and the conditions every field must meet;
each field of the form, except the signature, the policy, the file and ``x-ignore-*`` ones, must be
covered by a condition.
"""

from __future__ import annotations

import base64
import calendar
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from squall.cloud.auth import sigv2, sigv4
from squall.cloud.auth.failures import AuthFailure

_EXEMPT = frozenset({"x-amz-signature", "file", "policy", "signature", "awsaccesskeyid"})
_EXPIRATION = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$")


@dataclass(frozen=True)
class Form:
    """The text fields of a form upload (names in lowercase) and the size of its file."""

    fields: Mapping[str, str]
    file_size: int


@dataclass(frozen=True)
class Claim:
    """What a form upload claims: its credential and the signature over its policy.

    ``version`` 4 (SigV4: ``x-amz-credential``, ``x-amz-signature``) or 2 (``AWSAccessKeyId``,
    ``signature``: HMAC-SHA1, what boto3's ``generate_presigned_post`` makes by default).
    """

    access_key_id: str
    date: str
    region: str
    service: str
    timestamp: str
    policy: str
    signature: str
    session_token: str | None
    version: int = 4


def is_form_upload(method: str, path: str, headers: Mapping[str, str]) -> bool:
    bucket_only = path.strip("/") != "" and "/" not in path.strip("/")
    content_type = headers.get("content-type", "").lower()
    return method == "POST" and bucket_only and content_type.startswith("multipart/form-data")


def parse_form(body: bytes, content_type: str) -> Form:
    from werkzeug.formparser import parse_form_data

    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    _, form, files = parse_form_data(environ, silent=True)
    try:
        fields = {name.lower(): str(value) for name, value in form.items(multi=False)}
        upload = files.get("file")
        size = len(upload.stream.read()) if upload is not None else len(fields.pop("file", "").encode())
    finally:
        for stored in files.values():
            stored.close()
    return Form(fields, size)


def claim(form: Form) -> Claim | None:
    """The form's signature claim; None for an unsigned form."""
    fields = form.fields
    if "policy" not in fields and "x-amz-signature" not in fields and "signature" not in fields:
        return None
    if "x-amz-signature" not in fields and ("signature" in fields or "awsaccesskeyid" in fields):
        missing = [name for name in ("policy", "signature", "awsaccesskeyid") if not fields.get(name)]
        if missing:
            raise AuthFailure("malformed", f"the form has no {', '.join(missing)} field")
        return Claim(
            access_key_id=fields["awsaccesskeyid"],
            date="",
            region="",
            service="s3",
            timestamp="",
            policy=fields["policy"],
            signature=fields["signature"],
            session_token=fields.get("x-amz-security-token"),
            version=2,
        )
    if fields.get("x-amz-algorithm") != sigv4.ALGORITHM:
        raise AuthFailure("malformed", "x-amz-algorithm must be AWS4-HMAC-SHA256")
    missing = [
        name
        for name in ("policy", "x-amz-signature", "x-amz-credential", "x-amz-date")
        if not fields.get(name)
    ]
    if missing:
        raise AuthFailure("malformed", f"the form has no {', '.join(missing)} field")
    parts = fields["x-amz-credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise AuthFailure("malformed", "x-amz-credential is not KEY/DATE/REGION/SERVICE/aws4_request")
    return Claim(
        access_key_id=parts[0],
        date=parts[1],
        region=parts[2],
        service=parts[3],
        timestamp=fields["x-amz-date"],
        policy=fields["policy"],
        signature=fields["x-amz-signature"],
        session_token=fields.get("x-amz-security-token"),
    )


def check_signature(claim: Claim, secret: str) -> None:
    if claim.version == 2:
        expected = sigv2.signature(secret, claim.policy)
    else:
        key = sigv4.signing_key(secret, claim.date, claim.region, claim.service)
        expected = sigv4.signature(key, claim.policy)
    if not sigv4.same(expected, claim.signature):
        raise AuthFailure("signature")


def check_policy(claim: Claim, form: Form, bucket: str, now: float) -> None:
    """Raise ``AuthFailure("policy", ...)`` unless the policy is current and every condition holds."""
    try:
        document: Any = json.loads(base64.b64decode(claim.policy, validate=True))
    except ValueError:
        raise AuthFailure("policy", "Invalid Policy: Invalid JSON.") from None
    if not isinstance(document, dict):
        raise AuthFailure("policy", "Invalid Policy: Invalid JSON.")
    expires = _expiration(document.get("expiration"))
    if expires is None:
        raise AuthFailure("policy", "Invalid Policy: Policy missing expiration.")
    if now > expires:
        raise AuthFailure("policy", "Invalid according to Policy: Policy expired.")
    conditions = document.get("conditions")
    if not isinstance(conditions, list):
        raise AuthFailure("policy", "Invalid Policy: Policy missing conditions.")
    values = {**form.fields, "bucket": bucket}
    covered: set[str] = set()
    for condition in conditions:
        name = _check(condition, values, form.file_size)
        if name:
            covered.add(name)
    extra = sorted(
        name
        for name in form.fields
        if name not in _EXEMPT and name not in covered and not name.startswith("x-ignore-")
    )
    if extra:
        raise AuthFailure("policy", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")


def _check(condition: Any, values: Mapping[str, str], file_size: int) -> str | None:
    """Check one condition; the name of the field it covers."""
    failed = AuthFailure(
        "policy", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
    )
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, expected),) = condition.items()
        name = str(name).lower()
        if values.get(name) != str(expected):
            raise failed
        return name
    if not isinstance(condition, list) or len(condition) != 3:
        raise AuthFailure("policy", f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
    operator = str(condition[0]).lower()
    if operator == "content-length-range":
        try:
            low, high = int(condition[1]), int(condition[2])
        except (TypeError, ValueError):
            raise AuthFailure("policy", "Invalid Policy: Invalid content-length-range.") from None
        if not low <= file_size <= high:
            limit = "small" if file_size < low else "large"
            raise AuthFailure("policy", f"Your proposed upload is too {limit}.")
        return None
    subject = str(condition[1])
    if not subject.startswith("$"):
        raise AuthFailure("policy", f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
    name = subject[1:].lower()
    value = values.get(name, "")
    expected = str(condition[2])
    if operator == "eq":
        holds = value == expected
    elif operator == "starts-with":
        pieces = value.split(",") if name == "content-type" else [value]
        holds = all(piece.strip().startswith(expected) for piece in pieces)
    else:
        raise AuthFailure("policy", f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
    if not holds:
        raise failed
    return name


def _expiration(text: Any) -> float | None:
    match = _EXPIRATION.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(group) for group in match.groups())
    return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)))
