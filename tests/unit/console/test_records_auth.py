"""Invocation records say who called (the authorizer's claims) and why an authorizer refused a request."""

from __future__ import annotations

from squall.runtime.records import InvocationRecord, caller


def event(authorizer: object) -> dict[str, object]:
    return {"rawPath": "/me", "requestContext": {"http": {"method": "GET"}, "authorizer": authorizer}}


def test_the_caller_comes_from_the_claims_or_the_lambda_authorizer() -> None:
    assert caller(event({"jwt": {"claims": {"sub": "s-1", "email": "ada@example.com"}, "scopes": None}})) == (
        "ada@example.com"
    )
    assert caller(event({"jwt": {"claims": {"sub": "s-1"}, "scopes": None}})) == "s-1"
    assert caller(event({"lambda": {"x": 1}, "principalId": "partner"})) == "partner"
    assert caller(event(None)) is None
    assert caller("not an event") is None


def test_a_refusal_record_round_trips_and_reads_as_its_status() -> None:
    record = InvocationRecord.refused("app-dev-ApiGetMe", event(None), "rid-1", 401, "main: no token", 5)
    parsed = InvocationRecord.parse(record.message())
    assert parsed is not None and parsed.refusal == "main: no token"
    summary = parsed.summary()
    assert (summary["status"], summary["refusal"], summary["title"]) == ("401", "main: no token", "GET /me")
    assert "no token" in parsed.logs
