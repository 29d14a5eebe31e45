"""A FastAPI app wrapped by Mangum, deployed unmodified behind ``ANY /{proxy+}``, serves its routes."""

from __future__ import annotations

import json
import sys

import pytest

from tests.integration.host.conftest import Api, Deploy, MakeApi
from tests.integration.host.support import send

pytest.importorskip("fastapi")
pytest.importorskip("mangum")

APP = """
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Response
from mangum import Mangum
from pydantic import BaseModel

app = FastAPI()
ITEMS = {"1": {"name": "kettle", "price": 20.0}}


class Item(BaseModel):
    name: str
    price: float


@app.get("/items/{item_id}")
def read_item(item_id: str, verbose: bool = False):
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="no such item")
    item = ITEMS[item_id]
    return {"id": item_id, **item, "verbose": verbose} if verbose else item


@app.post("/items/{item_id}", status_code=201)
def create_item(item_id: str, item: Item):
    ITEMS[item_id] = item.model_dump()
    return {"id": item_id, **ITEMS[item_id]}


@app.get("/search")
def search(q: str, tag: Annotated[list[str] | None, Query()] = None):
    return {"q": q, "tags": tag or []}


@app.get("/cookie")
def cookie(response: Response):
    response.set_cookie("session", "abc")
    return {"ok": True}


handler = Mangum(app)
"""


@pytest.fixture(scope="module")
def fastapi_api(deploy: Deploy, make_api: MakeApi) -> Api:
    # Its dependencies go into its package, as a build installs them; compiled ones (pydantic-core) are this
    # interpreter's, so the function's runtime is this interpreter's version.
    runtime = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    function = deploy(APP, prefix="fastapi", timeout=10, runtime=runtime, vendored=("fastapi", "mangum"))
    return make_api({"ANY /{proxy+}": function})


def test_path_parameters_and_query(fastapi_api: Api) -> None:
    response = send(fastapi_api.endpoint, "GET", "/items/1")
    assert response.status == 200
    assert response.json() == {"name": "kettle", "price": 20.0}
    assert response.header("content-type") == "application/json"
    verbose = send(fastapi_api.endpoint, "GET", "/items/1?verbose=true").json()
    assert verbose == {"id": "1", "name": "kettle", "price": 20.0, "verbose": True}


def test_json_body(fastapi_api: Api) -> None:
    body = json.dumps({"name": "mug", "price": 4.5}).encode()
    created = send(fastapi_api.endpoint, "POST", "/items/2", [("Content-Type", "application/json")], body)
    assert created.status == 201
    assert created.json() == {"id": "2", "name": "mug", "price": 4.5}
    assert send(fastapi_api.endpoint, "GET", "/items/2").json() == {"name": "mug", "price": 4.5}


def test_validation_and_not_found_come_from_the_app(fastapi_api: Api) -> None:
    invalid = send(
        fastapi_api.endpoint, "POST", "/items/3", [("Content-Type", "application/json")], b'{"name": 1}'
    )
    assert invalid.status == 422
    missing = send(fastapi_api.endpoint, "GET", "/items/404")
    assert missing.status == 404
    assert missing.json() == {"detail": "no such item"}
    unknown = send(fastapi_api.endpoint, "GET", "/nowhere/at/all")
    assert unknown.status == 404
    assert unknown.json() == {"detail": "Not Found"}


def test_repeated_query_parameters(fastapi_api: Api) -> None:
    response = send(fastapi_api.endpoint, "GET", "/search?q=tea%20pot&tag=a&tag=b")
    assert response.status == 200
    assert response.json() == {"q": "tea pot", "tags": ["a", "b"]}


def test_cookies_set_by_the_app(fastapi_api: Api) -> None:
    response = send(fastapi_api.endpoint, "GET", "/cookie")
    assert response.status == 200
    assert any(value.startswith("session=abc") for value in response.all("set-cookie"))
