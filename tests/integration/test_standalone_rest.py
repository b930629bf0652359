"""Standalone-only REST behaviour: what the worker's own log must show. The REST routes themselves are
tested in both modes by the ``test_rest_*`` modules (``tests/integration/connect_modes.py``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.standalone_harness import StandaloneWorker

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(tmp_path: Path, bootstrap_servers: str) -> Iterator[StandaloneWorker]:
    w = StandaloneWorker(tmp_path, bootstrap_servers)
    try:
        yield w.start()
    finally:
        w.close()


def test_task_that_ignores_stop_is_abandoned(worker: StandaloneWorker) -> None:
    code, body = worker.request(
        "POST",
        "/connectors",
        {"name": "hang", "config": {"connector.class": "FailingSourceConnector", "mode": "hang"}},
    )
    assert code == 201, body
    worker.wait_running("hang")
    started = time.monotonic()
    code, _ = worker.request("DELETE", "/connectors/hang")
    elapsed = time.monotonic() - started
    assert code == 204
    # task.shutdown.graceful.timeout.ms is 3000 in the harness.
    assert elapsed < 15, f"expected the delete to return after the graceful timeout, took {elapsed:.1f}s"
    assert "abandoning" in worker.log_tail(200), "expected the abandoned task to be reported in the log"
