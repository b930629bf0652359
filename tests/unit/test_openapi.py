"""The OpenAPI document (``/openapi.json``) and ``docs/rest-api.md`` describe the same API: the same
routes (method and path), the same status codes, one tag per route group, and every error response
declared with the ``{"error_code", "message"}`` body."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, cast

import pytest

from connectd.runtime.control import ConnectControl
from gateway.app import create_app
from gateway.schemas import COMMON_ERROR_CODES

DOC = Path(__file__).resolve().parents[2] / "docs" / "rest-api.md"
_ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|([^|]*)\|([^|]*)\|([^|]*)\|\s*$")


class DocRoute(NamedTuple):
    codes: frozenset[int]
    group: str


def _codes(cell: str) -> set[int]:
    return {int(code) for code in re.findall(r"\d{3}", cell)}


def normalized(path: str) -> str:
    """Path parameters compared by position, not by name (``{id}`` in the doc, ``{task}`` in code)."""
    return re.sub(r"\{[^}]+\}", "{}", path)


@cache
def doc_routes() -> dict[tuple[str, str], DocRoute]:
    """The ``## Routes`` table of docs/rest-api.md: (METHOD, path) -> success and error codes, group."""
    routes: dict[tuple[str, str], DocRoute] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            method, path, success, errors, group = match.groups()
            key = (method, normalized(path))
            assert key not in routes, f"{method} {path} is listed twice in {DOC.name}"
            routes[key] = DocRoute(frozenset(_codes(success) | _codes(errors)), group.strip())
    assert len(routes) > 20, f"expected the routes table in {DOC}, parsed only {sorted(routes)}"
    return routes


@cache
def openapi() -> dict[str, Any]:
    # The app factory creates nothing and calls no control method: a placeholder control suffices.
    return create_app(cast(ConnectControl, object())).openapi()


def openapi_operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), normalized(path)): operation
        for path, operations in openapi()["paths"].items()
        for method, operation in operations.items()
    }


def test_every_documented_route_is_in_openapi_and_vice_versa() -> None:
    documented, served = set(doc_routes()), set(openapi_operations())
    missing = sorted(documented - served)
    undocumented = sorted(served - documented)
    assert not missing and not undocumented, (
        f"expected the same routes in {DOC.name} and /openapi.json;\n"
        f"documented but not served: {missing}\nserved but not documented: {undocumented}"
    )


@pytest.mark.parametrize("key", sorted(openapi_operations()), ids=" ".join)
def test_route_declares_the_documented_status_codes(key: tuple[str, str]) -> None:
    if key not in doc_routes():
        pytest.skip(f"{key} is not documented (reported by the route-list test)")
    declared = {int(code) for code in openapi_operations()[key]["responses"]}
    expected = set(doc_routes()[key].codes) | set(COMMON_ERROR_CODES)
    assert declared == expected, (
        f"{' '.join(key)}: expected status codes {sorted(expected)} as documented, "
        f"OpenAPI declares {sorted(declared)}"
    )


@pytest.mark.parametrize("key", sorted(openapi_operations()), ids=" ".join)
def test_route_has_summary_group_tag_and_error_bodies(key: tuple[str, str]) -> None:
    operation = openapi_operations()[key]
    assert operation.get("summary"), f"{' '.join(key)} has no summary"
    tags = operation.get("tags", [])
    assert len(tags) == 1, f"{' '.join(key)}: expected one tag (its route group), saw {tags}"
    if key in doc_routes():
        assert tags[0] == doc_routes()[key].group, (
            f"{' '.join(key)}: expected tag {doc_routes()[key].group!r} as in {DOC.name}, saw {tags[0]!r}"
        )
    for code, response in operation["responses"].items():
        # /health answers its WorkerStatus body with 500 and 503 too, as Kafka does.
        if int(code) >= 400 and key != ("GET", "/health"):
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (
                f"{' '.join(key)} {code}: expected the ErrorBody schema, saw {schema}"
            )


def test_error_body_schema_and_no_fastapi_validation_errors() -> None:
    document = openapi()
    schemas = document["components"]["schemas"]
    error_body = schemas["ErrorBody"]
    assert set(error_body["properties"]) == {"error_code", "message"}, error_body
    assert error_body["properties"]["error_code"]["type"] == "integer", error_body
    assert "HTTPValidationError" not in schemas, "FastAPI's 422 body must not be documented"
    statuses = {code for ops in document["paths"].values() for op in ops.values() for code in op["responses"]}
    assert "422" not in statuses, "no route answers 422: bad input is a 400"


def test_docs_ui_is_served() -> None:
    from fastapi.testclient import TestClient

    client = TestClient(create_app(cast(ConnectControl, object())))
    page = client.get("/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower(), f"/docs: {page.status_code}"
    assert client.get("/openapi.json").json() == openapi()
