"""Route selection: the most specific HTTP API route wins."""

from __future__ import annotations

import pytest

from squall.runtime.apigw import RouteMatch, RouteTable, select_route

ROUTES = [
    "GET /users/{id}",
    "GET /users/me",
    "ANY /users/{id}",
    "POST /users",
    "GET /files/{proxy+}",
    "GET /files/public/{name}",
    "ANY /{proxy+}",
    "GET /",
    "$default",
]


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/users/me", RouteMatch("GET /users/me")),
        ("GET", "/users/42", RouteMatch("GET /users/{id}", {"id": "42"})),
        ("DELETE", "/users/42", RouteMatch("ANY /users/{id}", {"id": "42"})),
        ("post", "/users", RouteMatch("POST /users")),
        ("GET", "/users", RouteMatch("ANY /{proxy+}", {"proxy": "users"})),
        ("GET", "/files/a/b/c.txt", RouteMatch("GET /files/{proxy+}", {"proxy": "a/b/c.txt"})),
        ("GET", "/files/public/x.png", RouteMatch("GET /files/public/{name}", {"name": "x.png"})),
        ("GET", "/files/public/x/y", RouteMatch("GET /files/{proxy+}", {"proxy": "public/x/y"})),
        ("PUT", "/files/a", RouteMatch("ANY /{proxy+}", {"proxy": "files/a"})),
        ("GET", "/", RouteMatch("GET /")),
        ("POST", "/", RouteMatch("$default")),
        ("GET", "/users/a%20b", RouteMatch("GET /users/{id}", {"id": "a b"})),
        ("GET", "/users/a%2Fb", RouteMatch("GET /users/{id}", {"id": "a/b"})),
        ("GET", "/users/me?x=1", RouteMatch("GET /users/me")),
    ],
)
def test_most_specific_route_wins(method: str, path: str, expected: RouteMatch) -> None:
    assert RouteTable(ROUTES).match(method, path) == expected


@pytest.mark.parametrize(
    ("routes", "method", "path"),
    [
        (["GET /users/{id}"], "GET", "/users"),
        (["GET /users/{id}"], "GET", "/users/1/x"),
        (["GET /users/{id}"], "GET", "/users/"),
        (["GET /users/{id}"], "POST", "/users/1"),
        (["ANY /{proxy+}"], "GET", "/"),
        (["GET /a/{proxy+}"], "GET", "/a"),
        (["GET /a/{proxy+}"], "GET", "/a/"),
        (["GET /Users"], "GET", "/users"),
        ([], "GET", "/"),
    ],
)
def test_no_route_matches(routes: list[str], method: str, path: str) -> None:
    assert select_route(routes, method, path) is None


def test_default_catches_what_nothing_else_does() -> None:
    assert select_route(["GET /a", "$default"], "GET", "/b/c") == RouteMatch("$default")


def test_left_most_literal_is_more_specific() -> None:
    routes = ["GET /{a}/b", "GET /a/{b}"]
    assert select_route(routes, "GET", "/a/b") == RouteMatch("GET /a/{b}", {"b": "b"})


@pytest.mark.parametrize("key", ["/users", "GET users", "GET /{proxy+}/x"])
def test_malformed_route_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        RouteTable([key])
