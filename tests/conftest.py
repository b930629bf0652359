"""Shared fixtures: a real Kafka-protocol broker over TCP.

``KAFKA_BOOTSTRAP_SERVERS`` points every test at an external cluster instead of the embedded tansu
broker. tansu keeps data in memory only, and its consumer-group join waits about half of
``session.timeout.ms``, so tests configure 1000 ms sessions.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from connectd.embedded_broker import EmbeddedBroker

TEST_SESSION_TIMEOUT_MS = 1000


@pytest.fixture(scope="session")
def bootstrap_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    log_path = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(log_path=log_path) as broker:
        yield broker.bootstrap_servers


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A name no other test uses (topics, groups, connectors): the broker is shared per session."""
    stem = "".join(c if c.isalnum() else "-" for c in request.node.name)[:40]
    return f"{stem}-{uuid.uuid4().hex[:8]}"


pytest_plugins = ["tests.postgres_cluster"]
