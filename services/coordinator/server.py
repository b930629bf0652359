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
from connectd.errors import BadRequestError
from connectd.runtime import client_configs
from connectd.runtime.logger_levels import process_loggers, require_level
from connectd.runtime.model import TaskId
from connectd.storage.config_store import KafkaConfigStore
from connectd.storage.status_store import KafkaStatusStore
from connectd.v1 import common_pb2, coordinator_pb2, coordinator_pb2_grpc, worker_pb2, worker_pb2_grpc
from services import convert
from services.grpc_support import GrpcServer, domain_error_from, open_channel

log = logging.getLogger("connectd.coordinator")

# How long one WatchAssignments wait lasts before it re-checks that the worker is still a member.
WATCH_POLL_SECONDS = 1.0
# Every member holds a WatchAssignments stream, and each open stream occupies one server thread: the
# pool must exceed the members of all groups, or heartbeats queue behind the streams and every lease
# expires (at the default of 32, a 50-worker group never settled). Idle threads cost little.
MAX_THREADS = 1024


class CoordinatorServicer(coordinator_pb2_grpc.CoordinatorServiceServicer):
    def __init__(self, coordinator: Coordinator, stopping: threading.Event | None = None) -> None:
        self._core = coordinator
        # Set on shutdown: assignment streams end at once instead of holding the server's grace period.
        self._stopping = stopping or threading.Event()

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
        topic_resets = self._core.group(request.group_id).active_topics.resets
        return coordinator_pb2.HeartbeatResponse(generation=generation, topic_resets=topic_resets)

    def WatchAssignments(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        last: int | None = None
        while context.is_active() and not self._stopping.is_set():
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
        self._core.report_active_topics(
            request.group_id, [convert.active_topic_from_pb(t) for t in request.active_topics]
        )
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
        group = self._core.group(request.group_id)
        info = group.connector_info(request.name)
        return coordinator_pb2.GetConnectorResponse(
            connector=convert.connector_info_to_pb(info),
            target_state=convert.target_to_pb(group.target_state(request.name)),
        )

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

    def ListConnectorStatuses(self, request: Any, context: grpc.ServicerContext) -> Any:
        response = coordinator_pb2.ListConnectorStatusesResponse()
        for status in self._core.group(request.group_id).connector_statuses():
            convert.status_into_pb(status, response.statuses.add())
        return response

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

    def GetConnectorPluginConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        keys = self._core.plugin_config(request.group_id, request.plugin, request.version or None)
        return coordinator_pb2.GetConnectorPluginConfigResponse(keys=convert.config_key_infos_to_pb(keys))

    def SetClusterLoggerLevel(self, request: Any, context: grpc.ServicerContext) -> Any:
        # The coordinator is part of every group's cluster: its own process first, then the workers.
        level = require_level(request.level or None)
        process_loggers().set_level(request.logger, level)
        applied, failed = self._core.set_worker_logger_levels(request.group_id, request.logger, level)
        return coordinator_pb2.SetClusterLoggerLevelResponse(
            applied_worker_ids=applied, failed_worker_ids=failed
        )

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


    # --- lifecycle -------------------------------------------------------------------------------

    def PatchConnectorConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        patch: dict[str, str | None] = {**dict(request.set), **dict.fromkeys(request.remove)}
        info = self._core.patch_connector_config(request.group_id, request.name, patch)
        return coordinator_pb2.PatchConnectorConfigResponse(connector=convert.connector_info_to_pb(info))

    def SetTargetState(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.target_state == common_pb2.TARGET_STATE_UNSPECIFIED:
            raise BadRequestError("target_state is required")
        target = convert.target_from_pb(request.target_state)
        self._core.group(request.group_id).set_target_state(request.name, target)
        return coordinator_pb2.SetTargetStateResponse()

    def RestartConnectorAndTasks(self, request: Any, context: grpc.ServicerContext) -> Any:
        snapshot = self._core.restart_connector(
            request.group_id, request.name, request.include_tasks, request.only_failed
        )
        return coordinator_pb2.RestartConnectorAndTasksResponse(status=convert.status_to_pb(snapshot))

    def RestartAssignedTask(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._core.restart_task(request.group_id, convert.task_id_from_pb(request.id))
        return coordinator_pb2.RestartAssignedTaskResponse()

    def GetTaskStatus(self, request: Any, context: grpc.ServicerContext) -> Any:
        task = convert.task_id_from_pb(request.id)
        state = self._core.group(request.group_id).task_status(task)
        return coordinator_pb2.GetTaskStatusResponse(
            status=common_pb2.TaskStatus(id=task.task, state=convert.state_info_to_pb(state))
        )

    # --- active topics (KIP-558) --------------------------------------------------------------------

    def GetActiveTopics(self, request: Any, context: grpc.ServicerContext) -> Any:
        topics = self._core.group(request.group_id).active_topics.topics(request.name)
        return coordinator_pb2.GetActiveTopicsResponse(topics=topics)

    def ResetActiveTopics(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._core.group(request.group_id).active_topics.reset(request.name)
        return coordinator_pb2.ResetActiveTopicsResponse()


class WorkerClients:
    """The coordinator's calls on workers, over gRPC (one cached channel per worker address)."""

    def __init__(self, timeout_s: float) -> None:
        self._timeout = timeout_s
        self._lock = threading.Lock()
        self._channels: dict[str, grpc.Channel] = {}

    def _call(self, address: str, method: str, request: Any, what: str) -> Any:
        with self._lock:
            channel = self._channels.get(address)
            if channel is None:
                channel = self._channels[address] = open_channel(address)
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
    workers = WorkerClients(int(config["request.timeout.ms"]) / 1000)
    core = Coordinator(kafka_store_factory(config), workers, group_settings(config))
    server = GrpcServer(
        config["grpc.host"],
        config.grpc_listen_port("coordinator"),
        max_workers=MAX_THREADS,
        role="coordinator",
    )
    server.add(
        coordinator_pb2_grpc.add_CoordinatorServiceServicer_to_server,
        CoordinatorServicer(core, stopping=stop),
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
        workers.close()
    return 0
