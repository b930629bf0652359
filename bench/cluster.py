"""Helpers of the distributed benchmarks: a LocalCluster with the bench plugins, idle connectors, and
probes of the coordinator (assignments, statuses) and workers (task start counts) over gRPC."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import grpc

from bench.common import PLUGIN_DIR, Context, http_json, wait_until
from connectd.v1 import (
    cluster_admin_pb2,
    cluster_admin_pb2_grpc,
    common_pb2,
    connectors_pb2,
    connectors_pb2_grpc,
    worker_pb2,
    worker_pb2_grpc,
)
from services.cluster_launcher import LocalCluster, RoleProcess

IDLE_SOURCE = "idle_source.IdleSourceConnector"


@contextmanager
def local_cluster(
    ctx: Context, name: str, workers: int, settings: Mapping[str, str]
) -> Iterator[LocalCluster]:
    """A started LocalCluster on the run's broker; every process stopped by pid on exit."""
    cluster = LocalCluster(
        ctx.subdir(name),
        group_id=f"bench-{name}-{int(time.time() * 1000) % 10_000_000}",
        bootstrap_servers=ctx.bootstrap,
        settings={"plugin.path": str(PLUGIN_DIR), **settings},
    )
    try:
        yield cluster.start(workers=workers)
    finally:
        cluster.stop()


@dataclass(frozen=True)
class Unit:
    """A connector (``task`` None) or one of its tasks."""

    connector: str
    task: int | None = None

    def __str__(self) -> str:
        return self.connector if self.task is None else f"{self.connector}-{self.task}"


class CoordinatorProbe:
    """Read-only calls to the coordinator of one group."""

    def __init__(self, cluster: LocalCluster) -> None:
        assert cluster.coordinator is not None
        self.group_id = cluster.group_id
        self._channel = grpc.insecure_channel(f"127.0.0.1:{cluster.coordinator.port}")
        self._admin = cluster_admin_pb2_grpc.ClusterAdminServiceStub(self._channel)
        self._stub = connectors_pb2_grpc.ConnectorServiceStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def assignment(self) -> dict[str, set[Unit]]:
        """worker id -> the connectors and tasks the coordinator assigned it."""
        response = self._admin.DescribeGroup(
            cluster_admin_pb2.DescribeGroupRequest(group_id=self.group_id), timeout=10
        )
        return {
            m.worker_id: {Unit(c) for c in m.connectors} | {Unit(t.connector, t.task) for t in m.tasks}
            for m in response.members
        }

    def running_on(self, names: list[str]) -> dict[Unit, str] | None:
        """unit -> worker id reporting it RUNNING; None while any unit is not RUNNING."""
        where: dict[Unit, str] = {}
        for name in names:
            status = self._stub.GetConnectorStatus(
                connectors_pb2.GetConnectorStatusRequest(group_id=self.group_id, name=name), timeout=10
            ).status
            states = [(Unit(name), status.connector)] + [(Unit(name, t.id), t.state) for t in status.tasks]
            for unit, state in states:
                if state.state != common_pb2.STATE_RUNNING:
                    return None
                where[unit] = state.worker_id
        return where


def task_starts(worker: RoleProcess) -> dict[Unit, int]:
    """How often a worker started each task it runs (since it started)."""
    with grpc.insecure_channel(f"127.0.0.1:{worker.port}") as channel:
        stub = worker_pb2_grpc.WorkerServiceStub(channel)
        response = stub.DescribeTasks(worker_pb2.DescribeTasksRequest(), timeout=10)
    return {Unit(t.id.connector, t.id.task): t.start_count for t in response.tasks}


def create_idle_connectors(cluster: LocalCluster, names: list[str], tasks: int) -> None:
    for name in names:
        config = {"connector.class": IDLE_SOURCE, "tasks.max": str(tasks)}
        code, body = http_json(f"{cluster.rest_url}/connectors/{name}/config", "PUT", config)
        if code not in (200, 201):
            raise RuntimeError(f"creating connector {name}: HTTP {code} {body}")


def wait_all_running(
    probe: CoordinatorProbe, names: list[str], tasks: int, timeout: float
) -> dict[Unit, str]:
    expected = len(names) * (1 + tasks)

    def check() -> dict[Unit, str] | None:
        where = probe.running_on(names)
        return where if where is not None and len(where) == expected else None

    return wait_until(check, timeout, f"{len(names)} connectors x {tasks} tasks RUNNING", interval=0.05)


def is_balanced(assignment: dict[str, set[Unit]], workers: int, connectors: int, tasks: int) -> bool:
    """``workers`` members, each within one of an even share of connectors and of tasks."""
    if len(assignment) != workers:
        return False
    for kind, total in (("connectors", connectors), ("tasks", tasks)):
        counts = [
            sum(1 for u in units if (u.task is None) == (kind == "connectors"))
            for units in assignment.values()
        ]
        if sum(counts) != total or max(counts) - min(counts) > 1:
            return False
    return True
