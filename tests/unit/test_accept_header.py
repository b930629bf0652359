"""``Accept`` negotiation (contract §1.2): JSON is the only representation, so a header that rules it
out gets 406 with the standard error body; absent, wildcard or JSON-including headers are served."""

from __future__ import annotations

from typing import cast

import pytest
from fastapi.testclient import TestClient

from connectd.runtime.control import ConnectControl
from connectd.runtime.model import ServerInfo
from gateway.app import create_app


class _InfoOnly:
    def server_info(self) -> ServerInfo:
        return ServerInfo("4.1.0", "connectd-test", None)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(cast(ConnectControl, _InfoOnly())))


@pytest.mark.parametrize(
    "accept",
    [None, "application/json", "*/*", "application/*", "text/html, application/json;q=0.5",
     "application/json; charset=utf-8", "text/html,*/*;q=0.8", "application/json;q=abc"],
)  # fmt: skip
def test_json_is_served(client: TestClient, accept: str | None) -> None:
    response = client.get("/", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, f"Accept {accept!r}: expected 200, saw {response.status_code}"


@pytest.mark.parametrize("accept", ["text/html", "application/xml, text/plain", "application/json;q=0"])
def test_json_ruled_out_is_406(client: TestClient, accept: str) -> None:
    response = client.get("/", headers={"Accept": accept})
    assert (response.status_code, response.json()) == (
        406,
        {"error_code": 406, "message": "HTTP 406 Not Acceptable"},
    ), f"Accept {accept!r}"
