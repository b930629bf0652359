"""``connectd worker``: a distributed worker. Joins its group through the core's membership loop over
gRPC (:mod:`connectd.cluster.worker_membership`), applies assignments, serves WorkerService."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import grpc

from connectd.cluster.applier import AssignmentApplier
from connectd.cluster.assignments import StorageTopics
from connectd.cluster.coordinator_port import Registration
from connectd.cluster.worker_membership import MembershipLoop, StatusReporter
from connectd.config import WorkerConfig
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.plugin_listing import check_validate_request, list_plugins
from connectd.runtime.topic_tracking import TopicResetWatch
from connectd.runtime.validation import ConnectorConfigValidator
from connectd.runtime.worker import Worker
from connectd.v1 import worker_pb2, worker_pb2_grpc
from services import convert
from services.coordinator.membership_client import GrpcCoordinatorPort
from services.group_rest import GroupRestApi
from services.grpc_support import GrpcServer
from services.metrics.exporter import MetricsPort, role_registry
from services.offset_store.client import offset_topic, remote_offsets
from services.security.grpc_credentials import GrpcSecurity
from services.worker.admin_rpcs import WorkerAdminRpcs

log = logging.getLogger("connectd.worker")


class WorkerStartupError(RuntimeError):
    """A one-line reason the worker cannot start."""


class WorkerServicer(WorkerAdminRpcs, worker_pb2_grpc.WorkerServiceServicer):
    def __init__(
        self,
        worker: Worker,
        applier: AssignmentApplier,
        registry: PluginRegistry,
        group_id: str | None = None,
        lease_lapsed: Callable[[], bool] = lambda: False,
    ) -> None:
        self._worker = worker
        self._applier = applier
        self._registry = registry
        self._lease_lapsed = lease_lapsed
        self._validator = ConnectorConfigValidator(
            registry,
            worker_group_id=group_id,
            exactly_once_source=worker.config.exactly_once_source,
            config_providers=worker.config_providers,
            client_policy=worker.client_policy,
        )

    def ValidateConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        config = convert.config_entries_from_pb(request.config)
        check_validate_request(request.plugin, config)
        infos = self._validator.validate(config)
        return worker_pb2.ValidateConfigResponse(result=convert.config_infos_to_pb(infos))

    def RestartTask(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._applier.restart_task(convert.task_id_from_pb(request.id))
        return worker_pb2.RestartTaskResponse()

    def RestartConnector(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._applier.restart_connector(request.name)
        return worker_pb2.RestartConnectorResponse()

    def DescribeTasks(self, request: Any, context: grpc.ServicerContext) -> Any:
        connectors, tasks = self._applier.running()
        details = []
        for task_id, epoch in tasks.items():
            runner = self._worker.runner(task_id)
            details.append(
                worker_pb2.TaskDetails(
                    id=convert.task_id_to_pb(task_id),
                    state=convert.state_to_pb(runner.state) if runner is not None else 0,
                    start_count=self._worker.task_starts.get(task_id, 0),
                    epoch=epoch,
                    fenced=runner is not None and runner.fenced,
                )
            )
        return worker_pb2.DescribeTasksResponse(
            worker_id=self._worker.worker_id,
            applied_generation=self._applier.applied_generation,
            connectors=[worker_pb2.ConnectorDetails(name=n) for n in connectors],
            tasks=details,
            lease_lapsed=self._lease_lapsed(),
        )


def _required(config: WorkerConfig, *keys: str) -> None:
    missing = [k for k in keys if not config[k]]
    if missing:
        raise WorkerStartupError(f"distributed mode requires {', '.join(missing)}")


def serve_worker(config: WorkerConfig, security: GrpcSecurity, stop: threading.Event) -> int:
    _required(
        config,
        "group.id",
        "bootstrap.servers",
        "config.storage.topic",
        "offset.storage.topic",
        "status.storage.topic",
    )
    group_id = config["group.id"]
    timeout = int(config["request.timeout.ms"]) / 1000
    # The REST listener first: a port another worker of this node holds is a one-line error at once.
    rest = GroupRestApi(config, security)
    server = GrpcServer(config.grpc_host, config.grpc_listen_port("worker"), security=security, role="worker")
    # Named as Kafka names its workers: by the advertised REST address (statuses show it).
    worker_id = config.advertised_host_port
    address = f"{config.grpc_advertised_host()}:{server.port}"
    storage = StorageTopics(
        config["config.storage.topic"], config["offset.storage.topic"], config["status.storage.topic"]
    )
    registry = PluginRegistry.discover(config["plugin.path"] or [])
    offsets = remote_offsets(
        config["offset.store.address"], offset_topic(config), security, timeout_s=timeout
    )
    offsets.start()
    port = GrpcCoordinatorPort(config["coordinator.address"], group_id, worker_id, security, timeout)
    plugins = list_plugins(registry, connectors_only=False)

    def registration() -> Registration:
        connectors, tasks = applier.running()
        return Registration(address, plugins, storage, connectors, tasks)

    # Late-bound: the generation and the lease are read when a transition is reported.
    reporter = StatusReporter(port, lambda: applier.applied_generation, lambda: membership.lease_lapsed())
    worker = Worker(worker_id, config, registry, offsets, reporter)
    applier = AssignmentApplier(worker, port.submit_task_configs)
    membership = MembershipLoop(
        port, applier, registration, on_topic_resets=TopicResetWatch(worker.forget_active_topics).observe
    )
    # /metrics on the REST listener, and on metrics.port when set: this worker's tasks and rebalances.
    rest.metrics = role_registry(config, worker.metrics.samples)
    server.add(
        worker_pb2_grpc.add_WorkerServiceServicer_to_server,
        WorkerServicer(worker, applier, registry, group_id, membership.lease_lapsed),
        worker_pb2.DESCRIPTOR.services_by_name["WorkerService"].full_name,
    )
    server.start()
    reporter.start()
    membership.start()
    rest.start()
    metrics_port = MetricsPort(config, rest.metrics, config.listener.bind_host, "worker")
    log.info("worker %s of group %s: gRPC on %s (%s), REST on %s", worker_id, group_id, address,
             security.describe(), rest.listener)  # fmt: skip
    try:
        while not stop.wait(0.2):
            if membership.wait_stopped(0):
                break
    finally:
        log.info("worker stopping: leaving the group, final offset flush")
        metrics_port.stop()
        rest.stop()
        membership.stop()
        # Stop our work before leaving: the group hands it on only once we are gone.
        applier.stop()
        reporter.stop()
        if not membership.refused:
            membership.leave()
        offsets.stop()
        port.close()
        server.stop()
    if membership.refused:
        raise WorkerStartupError(membership.refused)
    return 0
