"""Helpers of the distributed-mode tests: fast settings, REST and gRPC probes of a LocalCluster."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from connectd.v1 import cluster_admin_pb2, cluster_admin_pb2_grpc, worker_pb2, worker_pb2_grpc
from services.cluster_launcher import LocalCluster, RoleProcess
from services.grpc_support import open_channel
from services.security.grpc_credentials import PLAINTEXT
from tests.integration.standalone_harness import http_request

# Short leases and delays so failover happens within seconds; tansu needs short consumer sessions.
FAST = {
    "offset.flush.interval.ms": "500",
    "consumer.session.timeout.ms": "1000",
    "consumer.heartbeat.interval.ms": "250",
    "heartbeat.interval.ms": "300",
    "session.timeout.ms": "2000",
    "scheduled.rebalance.max.delay.ms": "1000",
    "task.shutdown.graceful.timeout.ms": "3000",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
}


@contextmanager
def running_cluster(
    workdir: Path,
    bootstrap_servers: str,
    group_id: str,
    workers: int = 1,
    settings: Mapping[str, str] = FAST,
    secure: bool = False,
) -> Iterator[LocalCluster]:
    """A started LocalCluster (the FAST settings unless told otherwise; ``secure``: mutual TLS and the
    cluster token between roles); every process stopped (by pid) on exit."""
    local = LocalCluster(
        workdir,
        group_id=group_id,
        bootstrap_servers=bootstrap_servers,
        settings=dict(settings),
        secure=secure,
    )
    try:
        yield local.start(workers=workers)
    finally:
        local.stop()
        for process in local.processes:
            # Captured by pytest and shown only when the test failed.
            print(f"--- {process.name} (pid {process.pid}) ---\n{process.log_tail(25)}")


def rest(cluster: LocalCluster, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    return http_request(cluster.rest_url, method, path, body, context=cluster.rest_ssl_context)


def describe_group(cluster: LocalCluster) -> dict[str, set[str]]:
    """worker id -> the connectors and tasks the coordinator assigned it (tasks as 'name-n')."""
    assert cluster.coordinator is not None
    with open_channel(f"127.0.0.1:{cluster.coordinator.port}", cluster.security) as channel:
        stub = cluster_admin_pb2_grpc.ClusterAdminServiceStub(channel)
        response = stub.DescribeGroup(
            cluster_admin_pb2.DescribeGroupRequest(group_id=cluster.group_id), timeout=10
        )
    return {
        m.worker_id: set(m.connectors) | {f"{t.connector}-{t.task}" for t in m.tasks}
        for m in response.members
    }


def task_starts(worker: RoleProcess, cluster: LocalCluster | None = None) -> dict[str, int]:
    security = cluster.security if cluster is not None else PLAINTEXT
    with open_channel(f"127.0.0.1:{worker.port}", security) as channel:
        stub = worker_pb2_grpc.WorkerServiceStub(channel)
        response = stub.DescribeTasks(worker_pb2.DescribeTasksRequest(), timeout=10)
    return {f"{t.id.connector}-{t.id.task}": t.start_count for t in response.tasks}


def all_running(cluster: LocalCluster, names: list[str], tasks: dict[str, int]) -> dict[str, Any] | None:
    statuses = {}
    for name in names:
        code, status = rest(cluster, "GET", f"/connectors/{name}/status")
        if code != 200 or status["connector"]["state"] != "RUNNING" or len(status["tasks"]) != tasks[name]:
            return None
        if any(t["state"] != "RUNNING" for t in status["tasks"]):
            return None
        statuses[name] = status
    return statuses


def worker_by_id(cluster: LocalCluster, worker_id: str) -> RoleProcess:
    return next(w for w in cluster.workers if w.worker_id == worker_id)
