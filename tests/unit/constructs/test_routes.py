from __future__ import annotations

import pytest

from squall.constructs.api import route_key_problem, route_slug


@pytest.mark.parametrize(
    "key",
    [
        "GET /",
        "GET /users/{id}",
        "POST /x",
        "ANY /{proxy+}",
        "$default",
        "DELETE /a/b-c/{d}/e.json",
        "GET /files/{path+}",
    ],
)
def test_valid_route_keys(key: str) -> None:
    assert route_key_problem(key) is None


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("GET", "METHOD /path"),
        ("FETCH /x", "METHOD /path"),
        ("get /x", "METHOD /path"),
        ("GET x", "must start with '/'"),
        ("GET /a//b", "bad path segment"),
        ("GET /{proxy+}/more", "must be the last"),
        ("GET /{id}/{id}", "appears twice"),
        ("GET /{bad-name}", "bad path segment"),
        ("GET /a b", "bad path segment"),
    ],
)
def test_malformed_route_keys(key: str, problem: str) -> None:
    message = route_key_problem(key)
    assert message is not None and problem in message


@pytest.mark.parametrize(
    ("key", "slug"),
    [
        ("GET /{code}", "GetCode"),
        ("GET /stats/{code}", "GetStatsCode"),
        ("POST /shorten", "PostShorten"),
        ("ANY /{proxy+}", "AnyProxyAll"),
        ("$default", "Default"),
        ("GET /", "Get"),
        ("GET /user-profiles/{user_id}", "GetUserProfilesUserId"),
    ],
)
def test_route_slugs(key: str, slug: str) -> None:
    assert route_slug(key) == slug
