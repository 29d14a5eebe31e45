"""Checking a request's signature: Authorization header, presigned query, aws-chunked body, POST policy.

``Verifier.verify`` takes the request as it arrived and returns who signed it (``Verified.principal``)
with the body a service should see (an aws-chunked body reassembled), or raises ``AuthFailure``. It
checks, in AWS's order: the form of the signature, the access key (and a session's token and expiry), the
request's time (15 minutes either way; a presigned URL until its ``X-Amz-Expires``), the signature, and
finally the body against its signed SHA-256.

Cheap by design: no parsing beyond what the signature needs, signing keys cached per scope, the body
hashed once. S3 signs its payload hash in ``x-amz-content-sha256``; every other service signs the
body's hash, computed here.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from squall.cloud.auth import chunked, post_policy, sigv2, sigv4
from squall.cloud.auth.failures import AuthFailure
from squall.cloud.auth.keyring import Key, KeyRing, Principal

MAX_SKEW = 15 * 60.0
MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class Incoming:
    """A request as it arrived: the raw path and query, headers as sent and folded (lowercase names)."""

    method: str
    path: str
    query: str
    raw_headers: Sequence[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes
    body_sha256: str | None = None
    """The body's SHA-256 (hex) when the body itself is not in memory (a large S3 upload on disk)."""
    unchunked: chunked.Decoded | None = None
    """An aws-chunked body already decoded, each chunk's signature checked against ``chain``, as it was
    streamed to disk: its payload (when in memory), size and trailers."""

    def payload_sha256(self) -> str:
        return self.body_sha256 or hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True, slots=True)
class Verified:
    principal: Principal
    service: str
    """The signing name of the credential scope (``s3``, ``dynamodb``, ``squall``...)."""
    region: str
    body: bytes
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class _Claim:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: str
    signature: str
    timestamp: str
    session_token: str | None


class Verifier:
    def __init__(self, keys: KeyRing, clock: Callable[[], float] = time.time) -> None:
        self.keys = keys
        self._clock = clock

    def verify(self, request: Incoming, *, s3: bool) -> Verified:
        headers = request.headers
        authorization = headers.get("authorization")
        if authorization is not None:
            if s3 and authorization.startswith("AWS "):
                return self._v2_header(request, authorization)
            return self._header(request, authorization, s3)
        query = request.query
        if "X-Amz-" in query:
            params = _amz_params(query)
            if "X-Amz-Credential" in params or "X-Amz-Signature" in params:
                return self._presigned(request, params, s3)
        if s3 and "Signature=" in query and "AWSAccessKeyId=" in query:
            return self._v2_presigned(request)
        if s3 and post_policy.is_form_upload(request.method, request.path, headers):
            return self._form(request)
        raise AuthFailure("missing")

    # -- the three ways to sign -------------------------------------------------------------------

    def chain(self, request: Incoming) -> chunked.Chain:
        """For an S3 request with an aws-chunked body, before its body is read: its headers' signature
        checked, the chain its chunk signatures continue (raises ``AuthFailure``)."""
        authorization = request.headers.get("authorization")
        if authorization is None:
            raise AuthFailure("missing")
        _claim, _key, payload, chain = self._signed_headers(request, authorization, True)
        if payload not in chunked.MODES:
            raise AuthFailure("malformed", "the body is not aws-chunked")
        return chain

    def _signed_headers(
        self, request: Incoming, authorization: str, s3: bool
    ) -> tuple[_Claim, Key, str, chunked.Chain]:
        claim = _parse_authorization(authorization, request.headers)
        key = self._key(claim)
        now = self._clock()
        moment = _moment(claim)
        if abs(now - moment) > MAX_SKEW:
            raise AuthFailure(
                "skewed", _skew_detail(claim.timestamp, moment, now), _skew_extra(claim.timestamp, now)
            )
        payload = self._payload_hash(request, s3)
        return claim, key, payload, self._check(request, claim, key, request.query, payload, s3)

    def _header(self, request: Incoming, authorization: str, s3: bool) -> Verified:
        claim, key, payload, chain = self._signed_headers(request, authorization, s3)
        body, headers = request.body, request.headers
        if payload in chunked.MODES:
            decoded = request.unchunked or chunked.decode(body, payload, chain)
            body, headers = decoded.payload, _unchunked(headers, decoded)
            declared_length = request.headers.get("x-amz-decoded-content-length")
            if declared_length is not None and declared_length.strip() != str(decoded.length):
                raise AuthFailure("incomplete_body", "the payload is not x-amz-decoded-content-length long")
        elif s3 and payload != sigv4.UNSIGNED_PAYLOAD and (computed := request.payload_sha256()) != payload:
            raise AuthFailure(
                "content_sha256",
                extra={"ClientComputedContentSHA256": payload, "S3ComputedContentSHA256": computed},
            )
        return Verified(key.principal, claim.service, claim.region, body, headers)

    def _presigned(self, request: Incoming, params: Mapping[str, str], s3: bool) -> Verified:
        algorithm = params.get("X-Amz-Algorithm")
        if algorithm != sigv4.ALGORITHM:
            raise AuthFailure(
                "unsupported" if algorithm else "malformed", "X-Amz-Algorithm must be AWS4-HMAC-SHA256"
            )
        missing = [
            name
            for name in ("X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature")
            if not params.get(name)
        ]
        if missing:
            raise AuthFailure("malformed", f"Query-string authentication requires {', '.join(missing)}")
        access_key_id, date, region, service = _credential(params["X-Amz-Credential"])
        claim = _Claim(
            access_key_id,
            date,
            region,
            service,
            params["X-Amz-SignedHeaders"],
            params["X-Amz-Signature"],
            params["X-Amz-Date"],
            params.get("X-Amz-Security-Token"),
        )
        expires_text = params.get("X-Amz-Expires", "")
        if s3 and not expires_text:
            raise AuthFailure("malformed", "Query-string authentication requires X-Amz-Expires")
        try:
            expires = int(expires_text) if expires_text else MAX_PRESIGNED_EXPIRES
        except ValueError:
            raise AuthFailure("malformed", "X-Amz-Expires should be a number") from None
        if not 0 < expires <= MAX_PRESIGNED_EXPIRES:
            raise AuthFailure(
                "malformed", "X-Amz-Expires must be less than a week (in seconds) that is 604800"
            )
        key = self._key(claim)
        now = self._clock()
        moment = _moment(claim)
        if moment - now > MAX_SKEW:
            raise AuthFailure("not_yet_valid", _skew_detail(claim.timestamp, moment, now))
        if now > moment + expires:
            raise AuthFailure(
                "expired",
                f"Signature expired: {claim.timestamp} is now earlier than "
                f"{sigv4.format_timestamp(now - expires)} ({sigv4.format_timestamp(now)} - {expires} sec.)",
                {
                    "X-Amz-Expires": str(expires),
                    "Expires": _iso(moment + expires),
                    "ServerTime": _iso(now),
                },
            )
        if s3:
            signed = claim.signed_headers.split(";")
            payload = (
                request.headers.get("x-amz-content-sha256", sigv4.UNSIGNED_PAYLOAD)
                if "x-amz-content-sha256" in signed
                else sigv4.UNSIGNED_PAYLOAD
            )
        else:
            payload = request.payload_sha256()
        self._check(request, claim, key, request.query, payload, s3, skip="X-Amz-Signature")
        return Verified(key.principal, claim.service, claim.region, request.body, request.headers)

    def _form(self, request: Incoming) -> Verified:
        form = post_policy.parse_form(request.body, request.headers.get("content-type", ""))
        found = post_policy.claim(form)
        if found is None:
            raise AuthFailure("missing")
        claim = _Claim(
            found.access_key_id,
            found.date,
            found.region,
            found.service,
            "",
            found.signature,
            found.timestamp,
            found.session_token,
        )
        key = self._key(claim)
        if found.version == 4 and (
            sigv4.parse_timestamp(claim.timestamp) is None or claim.timestamp[:8] != claim.date
        ):
            raise AuthFailure("malformed", "x-amz-date is not the credential's date in ISO 8601 basic form")
        post_policy.check_signature(found, key.secret_access_key)
        bucket = unquote(request.path.strip("/"))
        post_policy.check_policy(found, form, bucket, self._clock())
        return Verified(key.principal, claim.service, claim.region, request.body, request.headers)

    # -- Signature Version 2 (S3 only) -------------------------------------------------------------

    def _v2_header(self, request: Incoming, authorization: str) -> Verified:
        access_key_id, colon, given = authorization[4:].strip().rpartition(":")
        if not colon or not access_key_id or not given:
            raise AuthFailure("malformed", "the AWS authorization header is not AWS KEY:SIGNATURE")
        headers = request.headers
        key = self._key_for(access_key_id, headers.get("x-amz-security-token"))
        date = headers.get("x-amz-date") or headers.get("date")
        moment = _http_moment(date)
        now = self._clock()
        if abs(now - moment) > MAX_SKEW:
            stamp = sigv4.format_timestamp(moment)
            raise AuthFailure("skewed", _skew_detail(stamp, moment, now), _skew_extra(stamp, now))
        text = sigv2.string_to_sign(
            request.method,
            content_md5=headers.get("content-md5", ""),
            content_type=headers.get("content-type", ""),
            date=sigv2.header_date(headers),
            amz_headers=request.raw_headers,
            path=request.path,
            query=request.query,
        )
        if not sigv4.same(sigv2.signature(key.secret_access_key, text), given):
            raise AuthFailure(
                "signature",
                extra={"AWSAccessKeyId": access_key_id, "StringToSign": text, "SignatureProvided": given},
            )
        return Verified(key.principal, "s3", "us-east-1", request.body, headers)

    def _v2_presigned(self, request: Incoming) -> Verified:
        params = sigv2.query_params(
            request.query, ("AWSAccessKeyId", "Signature", "Expires", "content-type", "content-md5")
        )
        missing = [name for name in ("AWSAccessKeyId", "Signature", "Expires") if not params.get(name)]
        if missing:
            raise AuthFailure("malformed", f"Query-string authentication requires {', '.join(missing)}")
        key = self._key_for(params["AWSAccessKeyId"], params.get("x-amz-security-token"))
        try:
            expires = int(params["Expires"])
        except ValueError:
            raise AuthFailure("malformed", "Expires should be a number") from None
        now = self._clock()
        if now > expires:
            raise AuthFailure("expired", extra={"Expires": _iso(expires), "ServerTime": _iso(now)})
        headers = request.headers
        amz = [(name, value) for name, value in params.items() if name.lower().startswith("x-amz-")]
        text = sigv2.string_to_sign(
            request.method,
            content_md5=params.get("content-md5", headers.get("content-md5", "")),
            content_type=params.get("content-type", headers.get("content-type", "")),
            date=params["Expires"],
            amz_headers=[*amz, *request.raw_headers],
            path=request.path,
            query=request.query,
        )
        if not sigv4.same(sigv2.signature(key.secret_access_key, text), params["Signature"]):
            raise AuthFailure(
                "signature",
                extra={
                    "AWSAccessKeyId": params["AWSAccessKeyId"],
                    "StringToSign": text,
                    "SignatureProvided": params["Signature"],
                },
            )
        return Verified(key.principal, "s3", "us-east-1", request.body, headers)

    # -- shared steps -------------------------------------------------------------------------------

    def _key(self, claim: _Claim) -> Key:
        return self._key_for(claim.access_key_id, claim.session_token)

    def _key_for(self, access_key_id: str, session_token: str | None) -> Key:
        key = self.keys.get(access_key_id)
        if key is None:
            raise AuthFailure("unknown_key", extra={"AWSAccessKeyId": access_key_id})
        if key.session_token is None:
            if session_token:
                raise AuthFailure("bad_token")
            return key
        if session_token is None or not sigv4.same(key.session_token, session_token):
            raise AuthFailure("bad_token")
        if key.expires is not None and self._clock() > key.expires:
            raise AuthFailure("expired_token")
        return key

    def _payload_hash(self, request: Incoming, s3: bool) -> str:
        if not s3:
            return request.payload_sha256()
        declared = request.headers.get("x-amz-content-sha256")
        if declared is None:
            raise AuthFailure("missing_content_sha256")
        if declared == sigv4.UNSIGNED_PAYLOAD or declared in chunked.MODES:
            return declared
        if declared.startswith("STREAMING-"):
            raise AuthFailure("unsupported", f"x-amz-content-sha256 {declared} is not supported")
        if len(declared) != 64 or not _HEX.issuperset(declared):
            raise AuthFailure("bad_content_sha256")
        return declared

    def _check(
        self,
        request: Incoming,
        claim: _Claim,
        key: Key,
        query: str,
        payload: str,
        s3: bool,
        skip: str = "",
    ) -> chunked.Chain:
        signed = claim.signed_headers.split(";")
        if "host" not in signed:
            raise AuthFailure("malformed", "'Host' must be a 'SignedHeader' in the AWS Authorization.")
        canonical = sigv4.canonical_request(
            request.method,
            sigv4.canonical_uri(request.path, s3=s3),
            sigv4.canonical_query(query, skip=skip),
            sigv4.canonical_headers(request.raw_headers, signed),
            claim.signed_headers,
            payload,
        )
        scope = sigv4.scope(claim.date, claim.region, claim.service)
        text = sigv4.string_to_sign(claim.timestamp, scope, canonical)
        signing_key = sigv4.signing_key(key.secret_access_key, claim.date, claim.region, claim.service)
        if not sigv4.same(sigv4.signature(signing_key, text), claim.signature):
            raise AuthFailure(
                "signature",
                extra={
                    "AWSAccessKeyId": claim.access_key_id,
                    "StringToSign": text,
                    "SignatureProvided": claim.signature,
                    "CanonicalRequest": canonical,
                },
            )
        return chunked.Chain(signing_key, claim.timestamp, scope, claim.signature)


def _parse_authorization(value: str, headers: Mapping[str, str]) -> _Claim:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != sigv4.ALGORITHM:
        if algorithm in ("AWS", "AWS4-ECDSA-P256-SHA256"):
            raise AuthFailure("unsupported", f"the {algorithm} authorization scheme is not supported")
        raise AuthFailure("malformed", f"Unsupported Authorization Type: {algorithm}")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, equals, field = part.strip().partition("=")
        if equals:
            fields[name] = field.strip()
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not fields.get(name)]
    if missing:
        raise AuthFailure(
            "malformed",
            f"Authorization header requires '{missing[0]}' parameter. Authorization={value[:200]}",
        )
    access_key_id, date, region, service = _credential(fields["Credential"])
    timestamp = headers.get("x-amz-date")
    if timestamp is None:
        timestamp = _from_http_date(headers.get("date"))
    return _Claim(
        access_key_id,
        date,
        region,
        service,
        fields["SignedHeaders"],
        fields["Signature"],
        timestamp,
        headers.get("x-amz-security-token"),
    )


def _credential(value: str) -> tuple[str, str, str, str]:
    parts = value.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts[:4]):
        raise AuthFailure(
            "malformed", f"the credential {value[:120]!r} is not KEY/DATE/REGION/SERVICE/aws4_request"
        )
    return parts[0], parts[1], parts[2], parts[3]


def _moment(claim: _Claim) -> float:
    moment = sigv4.parse_timestamp(claim.timestamp)
    if moment is None:
        raise AuthFailure(
            "malformed", "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
        )
    if claim.timestamp[:8] != claim.date:
        raise AuthFailure(
            "malformed",
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{claim.date}' != '{claim.timestamp[:8]}', from '{claim.timestamp}'.",
        )
    return moment


def _http_moment(value: str | None) -> float:
    """The time of a Date (RFC 1123) or x-amz-date (either form) header."""
    if value:
        basic = sigv4.parse_timestamp(value)
        if basic is not None:
            return basic
    return sigv4.parse_timestamp(_from_http_date(value)) or 0.0


def _from_http_date(value: str | None) -> str:
    if not value:
        raise AuthFailure("malformed", "the request has neither X-Amz-Date nor Date")
    from email.utils import parsedate_to_datetime

    try:
        return sigv4.format_timestamp(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError):
        raise AuthFailure("malformed", f"the Date header {value[:60]!r} is not an HTTP date") from None


def _amz_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in query.split("&"):
        if part.startswith("X-Amz-"):
            name, _, value = part.partition("=")
            params[name] = unquote(value)
    return params


def _unchunked(headers: Mapping[str, str], decoded: chunked.Decoded) -> dict[str, str]:
    """The headers a service sees for the reassembled payload: plain body, trailing checksums as headers."""
    out = {k: v for k, v in headers.items() if k not in ("x-amz-decoded-content-length", "x-amz-trailer")}
    encodings = [e.strip() for e in out.pop("content-encoding", "").split(",") if e.strip()]
    kept = [e for e in encodings if e.lower() != "aws-chunked"]
    if kept:
        out["content-encoding"] = ",".join(kept)
    out["x-amz-content-sha256"] = sigv4.UNSIGNED_PAYLOAD
    out["content-length"] = str(decoded.length)
    for name, value in decoded.trailers.items():
        if name.startswith("x-amz-checksum-"):
            out[name] = value
    return out


def _skew_detail(timestamp: str, moment: float, now: float) -> str:
    """How JSON and query services word a request outside the allowed time."""
    stamp = sigv4.format_timestamp
    if moment > now:
        return f"Signature not yet current: {timestamp} is still later than {stamp(now + MAX_SKEW)} ({stamp(now)} + 15 min.)"
    return (
        f"Signature expired: {timestamp} is now earlier than {stamp(now - MAX_SKEW)} ({stamp(now)} - 15 min.)"
    )


def _skew_extra(timestamp: str, now: float) -> dict[str, str]:
    return {
        "RequestTime": timestamp,
        "ServerTime": _iso(now),
        "MaxAllowedSkewMilliseconds": str(int(MAX_SKEW * 1000)),
    }


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
