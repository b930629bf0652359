"""``GET /health`` and ``/admin/loggers`` in both modes.

Health: healthy once started; ``starting`` (503) and ``unhealthy`` (500) are driven on deployments of
their own: a standalone worker whose command-line connector holds startup open, and a distributed
gateway whose coordinator is stopped (before it ever answered: starting; after: unhealthy).

Loggers: reads and ``scope=worker`` act on the process answering the REST call (the standalone worker,
or the gateway); ``scope=cluster`` also reaches the coordinator and every worker of the group, which
is checked on each worker over WorkerService.ListLoggerLevels and in the coordinator's log.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from connectd.v1 import worker_pb2, worker_pb2_grpc
from gateway.dependencies import UNSUPPORTED_MEDIA_TYPE
from services import convert
from services.cluster_launcher import LocalCluster, RoleProcess
from tests.integration.connect_modes import FAST_SETTINGS, ConnectUnderTest
from tests.integration.rest_checks import expect, expect_error
from tests.integration.standalone_harness import StandaloneWorker, http_request, raw_http_request, wait_for

pytestmark = pytest.mark.integration

HEALTHY = {"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."}
STARTING = "Worker is still starting up."
UNHEALTHY = "Worker was unable to handle this request and may be unable to handle other requests."


@pytest.fixture
def namespace(clean_connect: ConnectUnderTest) -> Iterator[str]:
    """A logger namespace no other test uses; its levels are put back to INFO cluster-wide afterwards."""
    name = f"connectd.test.{uuid.uuid4().hex[:8]}"
    yield name
    clean_connect.request("PUT", f"/admin/loggers/{name}?scope=cluster", {"level": "INFO"})


def worker_levels(worker: RoleProcess) -> dict[str, dict[str, Any]]:
    """A distributed worker process's GET /admin/loggers, over its WorkerService."""
    with grpc.insecure_channel(f"127.0.0.1:{worker.port}") as channel:
        response = worker_pb2_grpc.WorkerServiceStub(channel).ListLoggerLevels(
            worker_pb2.ListLoggerLevelsRequest(), timeout=10
        )
    return {name: level.to_dict() for name, level in convert.logger_levels_from_pb(response.loggers).items()}


# --- health ---------------------------------------------------------------------------------------


def test_health_when_started(clean_connect: ConnectUnderTest) -> None:
    assert expect(clean_connect, "GET", "/health", 200) == HEALTHY


def test_standalone_health_while_starting_and_when_stuck(bootstrap_servers: str, tmp_path: Path) -> None:
    gate, entered = tmp_path / "gate", tmp_path / "entered"
    gated = {"connector.class": "GatedSourceConnector", "topic": "gated", "gate": str(gate)}
    connector_file = tmp_path / "gated.json"
    connector_file.write_text(json.dumps({"name": "gated", "config": gated}))
    # The REST API serves while the command-line connector is still being created.
    worker = StandaloneWorker(tmp_path, bootstrap_servers, FAST_SETTINGS).start(connector_file)
    try:
        code, body = worker.request("GET", "/health")
        assert code == 503 and body == {
            "status": "starting",
            "message": f"{STARTING} The connectors given on the command line are still being created.",
        }, f"while the command-line connector starts: expected 503 starting, got {code} {body}"
        gate.touch()
        wait_for(lambda: worker.request("GET", "/health") == (200, HEALTHY), 30, "health after startup")

        # A create that does not finish holds the control plane: after Kafka's 10 s, unhealthy.
        never = tmp_path / "never"
        stuck = {**gated, "gate": str(never), "entered": str(entered), "gate.timeout.ms": "30000"}
        create = ("POST", "/connectors", {"name": "stuck", "config": stuck})
        creating = threading.Thread(target=worker.request, args=create, daemon=True)
        creating.start()
        wait_for(entered.exists, 10, "the stuck connector's start() to begin")
        code, body = worker.request("GET", "/health")
        assert code == 500 and body == {
            "status": "unhealthy",
            "message": f"{UNHEALTHY} The control plane has been busy with another operation for over 10s.",
        }, f"while a create hangs: expected 500 unhealthy, got {code} {body}"
        never.touch()
        creating.join(30)
        assert worker.request("GET", "/health") == (200, HEALTHY)
    finally:
        worker.terminate()
        worker.close()


def test_distributed_health_follows_the_coordinator_and_offset_store(
    bootstrap_servers: str, tmp_path: Path
) -> None:
    cluster = LocalCluster(
        tmp_path, group_id=f"g-health-{uuid.uuid4().hex[:8]}", bootstrap_servers=bootstrap_servers,
        settings=FAST_SETTINGS,
    ).start(workers=0)  # fmt: skip
    try:
        assert cluster.coordinator is not None and cluster.offset_store is not None
        first = cluster.rest_url
        assert http_request(first, "GET", "/health") == (200, HEALTHY)

        cluster.terminate(cluster.coordinator)
        code, body = http_request(first, "GET", "/health")
        coordinator = f"127.0.0.1:{cluster.coordinator.port}"
        down = f"The coordinator at {coordinator} did not answer its health check (UNAVAILABLE)."
        assert code == 500 and body == {"status": "unhealthy", "message": f"{UNHEALTHY} {down}"}, (
            f"coordinator stopped after the gateway was healthy: expected 500, got {code} {body}"
        )

        # A gateway that never reached the coordinator is still starting.
        second = cluster.start_gateway()
        second_url = f"http://127.0.0.1:{second.port}"
        code, body = http_request(second_url, "GET", "/health")
        assert code == 503 and body == {"status": "starting", "message": f"{STARTING} {down}"}, (
            f"gateway started without a coordinator: expected 503, got {code} {body}"
        )

        cluster.restart(cluster.coordinator)
        for url in (first, second_url):
            healthy = lambda u=url: http_request(u, "GET", "/health") == (200, HEALTHY)  # noqa: E731
            wait_for(healthy, 30, f"health of the gateway at {url}")

        cluster.terminate(cluster.offset_store)
        code, body = http_request(second_url, "GET", "/health")
        assert code == 500 and body["message"] == (
            f"{UNHEALTHY} The offset store at 127.0.0.1:{cluster.offset_store.port} "
            "did not answer its health check (UNAVAILABLE)."
        ), f"offset store stopped: expected 500 naming it, got {code} {body}"
    finally:
        cluster.stop()


# --- loggers --------------------------------------------------------------------------------------


def test_read_loggers(clean_connect: ConnectUnderTest) -> None:
    levels = expect(clean_connect, "GET", "/admin/loggers", 200)
    assert list(levels) == sorted(levels), f"loggers sorted by name: {list(levels)}"
    assert set(levels["root"]) == {"level", "last_modified"}, levels["root"]
    for name in ("root", "ROOT", "Root"):
        assert expect(clean_connect, "GET", f"/admin/loggers/{name}", 200) == levels["root"], name
    missing = "/admin/loggers/no.such.logger"
    expect_error(clean_connect, "GET", missing, 404, "Logger no.such.logger not found.")


def test_worker_scope_changes_the_answering_process(clean_connect: ConnectUnderTest, namespace: str) -> None:
    child = f"{namespace}.child"
    assert expect(clean_connect, "PUT", f"/admin/loggers/{child}", 200, {"level": "debug"}) == [child]
    # The namespace's own logger is created; its existing descendant already was DEBUG.
    assert expect(clean_connect, "PUT", f"/admin/loggers/{namespace}", 200, {"level": "DEBUG"}) == [namespace]
    assert expect(clean_connect, "PUT", f"/admin/loggers/{namespace}", 200, {"level": "DEBUG"}) == []
    path = f"/admin/loggers/{namespace}?scope=Worker"
    changed = expect(clean_connect, "PUT", path, 200, {"level": "TRACE"})
    assert changed == [namespace, child], changed
    level = expect(clean_connect, "GET", f"/admin/loggers/{child}", 200)
    assert level["level"] == "TRACE" and isinstance(level["last_modified"], int), level
    assert expect(clean_connect, "GET", "/admin/loggers", 200)[child] == level
    # An unknown scope is the worker scope, as in Kafka.
    unknown_scope = f"/admin/loggers/{child}?scope=galaxy"
    assert expect(clean_connect, "PUT", unknown_scope, 200, {"level": "WARN"}) == [child]
    if clean_connect.cluster is not None:
        for worker in clean_connect.cluster.workers:
            assert child not in worker_levels(worker), f"worker scope reached worker {worker.name}"


def test_cluster_scope_reaches_every_process(clean_connect: ConnectUnderTest, namespace: str) -> None:
    cluster_wide = f"/admin/loggers/{namespace}?scope=cluster"
    assert expect(clean_connect, "PUT", cluster_wide, 204, {"level": "ERROR"}) is None
    assert expect(clean_connect, "GET", f"/admin/loggers/{namespace}", 200)["level"] == "ERROR"
    if clean_connect.cluster is None:
        return
    for worker in clean_connect.cluster.workers:
        level = worker_levels(worker).get(namespace)
        assert level is not None and level["level"] == "ERROR" and isinstance(level["last_modified"], int), (
            f"worker {worker.name}: expected {namespace} ERROR, saw {level}"
        )
    coordinator = clean_connect.cluster.coordinator
    assert coordinator is not None
    wait_for(
        lambda: f"Setting level of namespace {namespace} and children to ERROR" in coordinator.log_tail(200),
        10,
        "the coordinator to log the cluster-scope change",
    )


def test_set_level_errors(clean_connect: ConnectUnderTest, namespace: str) -> None:
    path = f"/admin/loggers/{namespace}"
    missing = "Desired 'level' parameter was not specified in request."
    expect_error(clean_connect, "PUT", path, 400, missing, {})
    expect_error(clean_connect, "PUT", f"{path}?scope=cluster", 400, missing, {"level": None})
    expect_error(clean_connect, "PUT", path, 404, "invalid log level 'LOUD'.", {"level": "LOUD"})
    expect_error(clean_connect, "PUT", f"{path}?scope=cluster", 404, "invalid log level 'x'.", {"level": "x"})
    code, _, body = raw_http_request(
        clean_connect.url, "PUT", path, b"level=DEBUG", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    unsupported = {"error_code": 415, "message": UNSUPPORTED_MEDIA_TYPE}
    assert (code, body) == (415, unsupported), f"form-encoded body: expected 415, got {code} {body}"
    expect_error(clean_connect, "DELETE", path, 405, "HTTP 405 Method Not Allowed")
    expect(clean_connect, "GET", path, 404)  # nothing was created by the refused requests
