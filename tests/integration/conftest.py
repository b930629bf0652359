"""Fixtures of the integration tests: the Connect deployment under test, in both modes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.integration.connect_modes import MODES, ConnectUnderTest, start_distributed, start_standalone


@pytest.fixture(scope="module", params=MODES)
def connect(
    request: pytest.FixtureRequest, bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConnectUnderTest]:
    """One deployment per mode and module: standalone, then a distributed cluster."""
    workdir = tmp_path_factory.mktemp(f"connect-{request.param}")
    if request.param == "standalone":
        deployment = start_standalone(workdir, bootstrap_servers)
    else:
        deployment = start_distributed(workdir, bootstrap_servers, f"g-modes-{uuid.uuid4().hex[:8]}")
    try:
        yield deployment
    finally:
        deployment.stop()


@pytest.fixture
def clean_connect(connect: ConnectUnderTest) -> Iterator[ConnectUnderTest]:
    """The module's deployment, emptied of connectors after the test."""
    yield connect
    connect.delete_all()
