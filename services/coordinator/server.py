"""``connectd coordinator``: the CoordinatorService servicer over the coordinator core."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import grpc

from connectd.cluster.coordinator import Coordinator, StatusReport
from connectd.cluster.group import GroupSettings, StorageTopics
from connectd.config import WorkerConfig
from connectd.runtime import client_configs
from connectd.storage.config_store import KafkaConfigStore
from connectd.storage.status_store import KafkaStatusStore
from connectd.v1 import coordinator_pb2, coordinator_pb2_grpc, worker_pb2, worker_pb2_grpc
from services import convert
from services.grpc_support import GrpcServer, domain_error_from

log = logging.getLogger("connectd.coordinator")

DEFAULT_PORT = 9190
# How long one WatchAssignments wait lasts before it re-checks that the worker is still a member.
WATCH_POLL_SECONDS = 1.0


class CoordinatorServicer(coordinator_pb2_grpc.CoordinatorServiceServicer):
    def __init__(self, coordinator: Coordinator) -> None:
        self._core = coordinator

    # --- membership ------------------------------------------------------------------------------

    def RegisterWorker(self, request: Any, context: grpc.ServicerContext) -> Any:
        settings = self._core.register(
            request.group_id,
            request.worker_id,
            request.address,
            [convert.plugin_from_pb(p) for p in request.plugins],
            convert.storage_from_pb(request.storage),
            list(request.running_connectors),
            [convert.task_id_from_pb(t) for t in request.running_tasks],
        )
        return coordinator_pb2.RegisterWorkerResponse(
            heartbeat_interval_ms=settings.heartbeat_interval_ms, lease_timeout_ms=settings.lease_timeout_ms
        )

    def LeaveGroup(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._core.leave(request.group_id, request.worker_id)
        return coordinator_pb2.LeaveGroupResponse()

    def Heartbeat(self, request: Any, context: grpc.ServicerContext) -> Any:
        generation = self._core.heartbeat(request.group_id, request.worker_id, request.applied_generation)
        return coordinator_pb2.HeartbeatResponse(generation=generation)

    def WatchAssignments(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        last: int | None = None
        while context.is_active():
            assignment = self._core.next_assignment(
                request.group_id, request.worker_id, last, WATCH_POLL_SECONDS
            )
            if assignment is not None:
                last = assignment.generation
                yield convert.assignment_to_pb(assignment)

    def ReportStatus(self, request: Any, context: grpc.ServicerContext) -> Any:
        reports = [
            StatusReport(
                u.connector,
                u.task if u.HasField("task") else None,
                convert.state_info_from_pb(u.state),
                u.generation,
            )
            for u in request.updates
        ]
        self._core.report_status(request.group_id, reports)
        return coordinator_pb2.ReportStatusResponse()

    def SubmitTaskConfigs(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._core.submit_task_configs(
            request.group_id, request.worker_id, request.connector, [dict(t.config) for t in request.tasks]
        )
        return coordinator_pb2.SubmitTaskConfigsResponse()

    # --- control ---------------------------------------------------------------------------------

    def ListConnectors(self, request: Any, context: grpc.ServicerContext) -> Any:
        return coordinator_pb2.ListConnectorsResponse(
            names=self._core.group(request.group_id).connector_names()
        )

    def GetConnector(self, request: Any, context: grpc.ServicerContext) -> Any:
        info = self._core.group(request.group_id).connector_info(request.name)
        return coordinator_pb2.GetConnectorResponse(connector=convert.connector_info_to_pb(info))

    def CreateConnector(self, request: Any, context: grpc.ServicerContext) -> Any:
        info = self._core.create_connector(
            request.group_id,
            request.name,
            dict(request.config),
            convert.target_from_pb(request.initial_state),
        )
        return coordinator_pb2.CreateConnectorResponse(connector=convert.connector_info_to_pb(info))

    def PutConnectorConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        created, info = self._core.put_connector_config(request.group_id, request.name, dict(request.config))
        return coordinator_pb2.PutConnectorConfigResponse(
            created=created, connector=convert.connector_info_to_pb(info)
        )

    def DeleteConnector(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._core.group(request.group_id).delete_connector(request.name)
        return coordinator_pb2.DeleteConnectorResponse()

    def GetConnectorStatus(self, request: Any, context: grpc.ServicerContext) -> Any:
        status = self._core.group(request.group_id).connector_status(request.name)
        return coordinator_pb2.GetConnectorStatusResponse(status=convert.status_to_pb(status))

    def ListTasks(self, request: Any, context: grpc.ServicerContext) -> Any:
        tasks = self._core.group(request.group_id).task_infos(request.name)
        return coordinator_pb2.ListTasksResponse(tasks=[convert.task_info_to_pb(t) for t in tasks])

    def ListPlugins(self, request: Any, context: grpc.ServicerContext) -> Any:
        plugins = self._core.group(request.group_id).plugins()
        return coordinator_pb2.ListPluginsResponse(plugins=[convert.plugin_to_pb(p) for p in plugins])

    def ValidateConnectorConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        infos = self._core.validate(
            request.group_id, request.plugin, convert.config_entries_from_pb(request.config)
        )
        return coordinator_pb2.ValidateConnectorConfigResponse(result=convert.config_infos_to_pb(infos))

    def DescribeGroup(self, request: Any, context: grpc.ServicerContext) -> Any:
        group = self._core.group(request.group_id)
        members = []
        for m in group.members():
            units = m.latest.units()
            members.append(
                coordinator_pb2.GroupMember(
                    worker_id=m.worker_id,
                    address=m.address,
                    generation=max(m.pushed),
                    applied_generation=m.applied_generation,
                    connectors=sorted(units.connectors),
                    tasks=[convert.task_id_to_pb(t) for t in sorted(units.tasks)],
                )
            )
        return coordinator_pb2.DescribeGroupResponse(
            members=members, storage=convert.storage_to_pb(group.storage)
        )


class WorkerValidator:
    """Validates a config on a worker, over gRPC (one cached channel per worker address)."""

    def __init__(self, timeout_s: float) -> None:
        self._timeout = timeout_s
        self._lock = threading.Lock()
        self._channels: dict[str, grpc.Channel] = {}

    def __call__(self, address: str, plugin: str, config: Mapping[str, str | None]) -> dict[str, Any]:
        with self._lock:
            channel = self._channels.get(address)
            if channel is None:
                channel = self._channels[address] = grpc.insecure_channel(address)
        stub = worker_pb2_grpc.WorkerServiceStub(channel)
        request = worker_pb2.ValidateConfigRequest(plugin=plugin, config=convert.config_entries_to_pb(config))
        try:
            response = stub.ValidateConfig(request, timeout=self._timeout)
        except grpc.RpcError as exc:
            raise domain_error_from(exc, f"config validation on worker {address}") from None
        return convert.config_infos_from_pb(response.result)

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()


def kafka_store_factory(config: WorkerConfig) -> Any:
    """Stores of a group on its own config and status topics, in the coordinator's Kafka cluster."""
    bootstrap = config.bootstrap_servers or ""
    admin = client_configs.admin_config(config)

    def create(group_id: str, storage: StorageTopics) -> tuple[KafkaConfigStore, KafkaStatusStore]:
        configs = KafkaConfigStore(
            bootstrap,
            storage.config_topic,
            replication_factor=int(config["config.storage.replication.factor"]),
            client_config=admin,
        )
        statuses = KafkaStatusStore(
            bootstrap,
            storage.status_topic,
            partitions=int(config["status.storage.partitions"]),
            replication_factor=int(config["status.storage.replication.factor"]),
            client_config=admin,
        )
        return configs, statuses

    return create


def group_settings(config: WorkerConfig) -> GroupSettings:
    return GroupSettings(
        heartbeat_interval_ms=int(config["heartbeat.interval.ms"]),
        lease_timeout_ms=int(config["session.timeout.ms"]),
        rebalance_delay_ms=int(config["scheduled.rebalance.max.delay.ms"]),
    )


def serve_coordinator(config: WorkerConfig, stop: threading.Event) -> int:
    """Run until ``stop`` is set. Raises PortInUseError for a taken port."""
    validator = WorkerValidator(int(config["request.timeout.ms"]) / 1000)
    core = Coordinator(kafka_store_factory(config), validator, group_settings(config))
    port = config["grpc.port"]
    server = GrpcServer(config["grpc.host"], DEFAULT_PORT if port is None else port, role="coordinator")
    server.add(
        coordinator_pb2_grpc.add_CoordinatorServiceServicer_to_server,
        CoordinatorServicer(core),
        coordinator_pb2.DESCRIPTOR.services_by_name["CoordinatorService"].full_name,
    )
    server.start()
    log.info("coordinator listening for gRPC on %s:%d", config["grpc.host"], server.port)
    tick_seconds = min(0.2, int(config["heartbeat.interval.ms"]) / 2000)
    try:
        while not stop.wait(tick_seconds):
            core.tick()
    finally:
        log.info("coordinator stopping")
        server.stop()
        core.close()
        validator.close()
    return 0
