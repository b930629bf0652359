"""``connectd coordinator``: the coordinator core behind three gRPC services by concern, group
membership (workers), connectors (the gateway's admin API) and cluster admin, plus health and
reflection; and the coordinator's own calls on workers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import grpc

from connectd.cluster.assignments import StorageTopics
from connectd.cluster.coordinator import Coordinator
from connectd.cluster.group import GroupSettings
from connectd.config import WorkerConfig
from connectd.metrics.role_metrics import coordinator_samples
from connectd.runtime import client_configs
from connectd.runtime.model import TaskId
from connectd.storage.config_store import KafkaConfigStore
from connectd.storage.status_store import KafkaStatusStore
from connectd.v1 import (
    cluster_admin_pb2,
    cluster_admin_pb2_grpc,
    connectors_pb2,
    connectors_pb2_grpc,
    membership_pb2,
    membership_pb2_grpc,
    worker_pb2,
    worker_pb2_grpc,
)
from services import convert
from services.coordinator.admin_servicer import ClusterAdminServicer
from services.coordinator.connectors_servicer import ConnectorServicer
from services.coordinator.membership_servicer import GroupMembershipServicer
from services.grpc_support import GrpcServer, domain_error_from, open_channel
from services.metrics.exporter import MetricsPort, role_registry
from services.security.grpc_credentials import GrpcSecurity

log = logging.getLogger("connectd.coordinator")

# Every member holds a WatchAssignments stream, and each open stream occupies one server thread: the
# pool must exceed the members of all groups, or heartbeats queue behind the streams and every lease
# expires (at the default of 32, a 50-worker group never settled). Idle threads cost little.
MAX_THREADS = 1024


class WorkerClients:
    """The coordinator's calls on workers, over gRPC (one cached channel per worker address)."""

    def __init__(self, security: GrpcSecurity, timeout_s: float) -> None:
        self._security = security
        self._timeout = timeout_s
        self._lock = threading.Lock()
        self._channels: dict[str, grpc.Channel] = {}

    def _call(self, address: str, method: str, request: Any, what: str) -> Any:
        with self._lock:
            channel = self._channels.get(address)
            if channel is None:
                channel = self._channels[address] = open_channel(address, self._security)
        stub = worker_pb2_grpc.WorkerServiceStub(channel)
        try:
            return getattr(stub, method)(request, timeout=self._timeout)
        except grpc.RpcError as exc:
            raise domain_error_from(exc, f"{what} on worker {address}") from None

    def validate(self, address: str, plugin: str, config: Mapping[str, str | None]) -> dict[str, Any]:
        request = worker_pb2.ValidateConfigRequest(plugin=plugin, config=convert.config_entries_to_pb(config))
        response = self._call(address, "ValidateConfig", request, "config validation")
        return convert.config_infos_from_pb(response.result)

    def restart_connector(self, address: str, name: str) -> None:
        self._call(address, "RestartConnector", worker_pb2.RestartConnectorRequest(name=name), "restart")

    def restart_task(self, address: str, task: TaskId) -> None:
        request = worker_pb2.RestartTaskRequest(id=convert.task_id_to_pb(task))
        self._call(address, "RestartTask", request, "task restart")

    def plugin_config(self, address: str, plugin: str, version: str | None) -> list[dict[str, Any]]:
        request = worker_pb2.GetPluginConfigRequest(plugin=plugin, version=version or "")
        response = self._call(address, "GetPluginConfig", request, "plugin config")
        return [convert.config_key_info_from_pb(key) for key in response.keys]

    def set_logger_level(self, address: str, logger: str, level: str) -> list[str]:
        request = worker_pb2.SetLoggerLevelRequest(logger=logger, level=level)
        return list(self._call(address, "SetLoggerLevel", request, "logger level").changed_loggers)

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()


def kafka_store_factory(config: WorkerConfig) -> Any:
    """Stores of a group on its own config and status topics, in the coordinator's Kafka cluster."""
    bootstrap = config.bootstrap_servers or ""
    admin = client_configs.admin_config(config)
    names = config.topic_names

    def create(group_id: str, storage: StorageTopics) -> tuple[KafkaConfigStore, KafkaStatusStore]:
        configs = KafkaConfigStore(
            bootstrap,
            names.to_kafka(storage.config_topic),
            replication_factor=int(config["config.storage.replication.factor"]),
            client_config=admin,
        )
        statuses = KafkaStatusStore(
            bootstrap,
            names.to_kafka(storage.status_topic),
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
        # A config write is answered before the gateway's own deadline (request.timeout.ms) passes.
        write_timeout_ms=int(config["request.timeout.ms"]) // 2,
    )


def serve_coordinator(config: WorkerConfig, security: GrpcSecurity, stop: threading.Event) -> int:
    """Run until ``stop`` is set. Raises PortInUseError for a taken port."""
    workers = WorkerClients(security, int(config["request.timeout.ms"]) / 1000)
    core = Coordinator(kafka_store_factory(config), workers, group_settings(config))
    server = GrpcServer(
        config.grpc_host,
        config.grpc_listen_port("coordinator"),
        security=security,
        max_workers=MAX_THREADS,
        role="coordinator",
    )
    for register, servicer, module, service in (
        (
            membership_pb2_grpc.add_GroupMembershipServiceServicer_to_server,
            GroupMembershipServicer(core, stopping=stop),
            membership_pb2,
            "GroupMembershipService",
        ),
        (connectors_pb2_grpc.add_ConnectorServiceServicer_to_server, ConnectorServicer(core, stopping=stop),
         connectors_pb2, "ConnectorService"),
        (cluster_admin_pb2_grpc.add_ClusterAdminServiceServicer_to_server, ClusterAdminServicer(core),
         cluster_admin_pb2, "ClusterAdminService"),
    ):  # fmt: skip
        server.add(register, servicer, module.DESCRIPTOR.services_by_name[service].full_name)
    server.start()
    metrics_port = MetricsPort(
        config, role_registry(config, lambda: coordinator_samples(core)), config.grpc_host, "coordinator"
    )
    log.info("coordinator listening for gRPC on %s:%d (%s)", server.host, server.port, security.describe())
    tick_seconds = min(0.2, int(config["heartbeat.interval.ms"]) / 2000)
    try:
        while not stop.wait(tick_seconds):
            core.tick()
    finally:
        log.info("coordinator stopping")
        metrics_port.stop()
        server.stop()
        core.close()
        workers.close()
    return 0
