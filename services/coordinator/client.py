"""The gateway's client of the coordinator: :class:`CoordinatorControl`, the REST API's control plane
over the ConnectorService and the ClusterAdminService, returning domain types.

Every call carries a deadline; a failed call raises the domain error its status code maps to, so an
unreachable coordinator is an UnavailableError (503 at the gateway), never a hang.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import grpc

from connectd.errors import UnavailableError
from connectd.runtime.connector_config import CONNECTOR_CLASS
from connectd.runtime.connector_offsets import ConnectorOffset, ConnectorOffsetsManager
from connectd.runtime.health import HealthCheck, WorkerStatus
from connectd.runtime.logger_levels import LoggerAdmin
from connectd.runtime.model import (
    ConnectorInfo,
    ConnectorStateInfo,
    PluginInfo,
    ServerInfo,
    StateInfo,
    TargetState,
    TaskId,
    TaskInfo,
)
from connectd.runtime.plugin_listing import check_validate_request, sort_plugins
from connectd.runtime.topic_tracking import TopicTrackingSettings
from connectd.runtime.validation import raise_if_invalid
from connectd.v1 import cluster_admin_pb2, cluster_admin_pb2_grpc, connectors_pb2_grpc
from connectd.v1 import connectors_pb2 as pb
from services import convert
from services.grpc_support import domain_error_from, open_channel
from services.health_probe import grpc_health_probe
from services.security.grpc_credentials import GrpcSecurity

T = TypeVar("T")


class CoordinatorChannel:
    """One channel to the coordinator and a deadline for every call on it."""

    def __init__(self, address: str, security: GrpcSecurity, timeout_s: float) -> None:
        self.address = address
        self.timeout = timeout_s
        self.channel = open_channel(address, security)

    def call(self, method: Callable[..., T], request: Any) -> T:
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as exc:
            raise domain_error_from(exc, f"coordinator at {self.address}") from None

    def close(self) -> None:
        self.channel.close()


class _CoordinatorStub(CoordinatorChannel):
    def __init__(self, address: str, security: GrpcSecurity, timeout_s: float) -> None:
        super().__init__(address, security, timeout_s)
        self.stub = connectors_pb2_grpc.ConnectorServiceStub(self.channel)
        self.admin = cluster_admin_pb2_grpc.ClusterAdminServiceStub(self.channel)


class _Flight(Generic[T]):
    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None


class SharedCall(Generic[T]):
    """One read shared by concurrent callers, never staler than the caller.

    A caller joins the next call that has not started yet (or starts it), so every caller gets a
    result read after it asked; callers that arrive while a call runs share the one after it. Under
    load, one call serves everyone who asked while the previous one ran.
    """

    def __init__(self, call: Callable[[], T]) -> None:
        self._call = call
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Lock()
        self._pending: _Flight[T] | None = None

    def __call__(self) -> T:
        with self._lock:
            flight = self._pending
            leads = flight is None
            if flight is None:
                flight = self._pending = _Flight()
        if leads:
            with self._one_at_a_time:
                with self._lock:
                    self._pending = None  # started: later callers make the next call
                try:
                    flight.result = self._call()
                except BaseException as exc:
                    flight.error = exc
                finally:
                    flight.done.set()
        else:
            flight.done.wait()
        if flight.error is not None:
            raise flight.error
        return flight.result  # type: ignore[return-value]


class CoordinatorControl(LoggerAdmin):
    """:class:`connectd.runtime.control.ConnectControl` for one group, over gRPC."""

    def __init__(
        self,
        address: str,
        group_id: str,
        server_info: ServerInfo,
        timeout_s: float = 10.0,
        topic_tracking: TopicTrackingSettings | None = None,
        offsets: ConnectorOffsetsManager | None = None,
        health: HealthCheck | None = None,
        *,
        security: GrpcSecurity,
    ) -> None:
        self._rpc = _CoordinatorStub(address, security, timeout_s)
        self._shared_statuses = SharedCall(self._list_statuses)
        # /health: the roles the gateway depends on answer their gRPC health checks.
        self._health = health or HealthCheck(grpc_health_probe({"coordinator": address}, security))
        self.group_id = group_id
        self._server_info = server_info
        # The gateway's own topic.tracking.* configs decide the topics endpoints' 403s, as in Kafka.
        self._topic_tracking = topic_tracking or TopicTrackingSettings()
        # The offsets API runs in the gateway: over the offset store and the group's Kafka cluster.
        self._offsets = offsets

    def close(self) -> None:
        self._rpc.close()

    @property
    def channel(self) -> grpc.Channel:
        """The channel to the coordinator (the status view's stream shares it)."""
        return self._rpc.channel

    def server_info(self) -> ServerInfo:
        return self._server_info

    def connector_names(self) -> list[str]:
        return list(
            self._rpc.call(
                self._rpc.stub.ListConnectors, pb.ListConnectorsRequest(group_id=self.group_id)
            ).names
        )

    def connector_info(self, name: str) -> ConnectorInfo:
        response = self._rpc.call(
            self._rpc.stub.GetConnector, pb.GetConnectorRequest(group_id=self.group_id, name=name)
        )
        return convert.connector_info_from_pb(response.connector)

    def connector_config(self, name: str) -> dict[str, str]:
        return self.connector_info(name).config

    def connector_status(self, name: str) -> ConnectorStateInfo:
        response = self._rpc.call(
            self._rpc.stub.GetConnectorStatus, pb.GetConnectorStatusRequest(group_id=self.group_id, name=name)
        )
        return convert.status_from_pb(response.status)

    def connector_statuses(self) -> dict[str, ConnectorStateInfo]:
        # Concurrent ``GET /connectors?expand=status`` requests share calls (each still sees a state
        # read after it asked): each call returns every connector, and under load they piled up.
        return self._shared_statuses()

    def _list_statuses(self) -> dict[str, ConnectorStateInfo]:
        response = self._rpc.call(
            self._rpc.stub.ListConnectorStatuses, pb.ListConnectorStatusesRequest(group_id=self.group_id)
        )
        return {s.name: convert.status_from_pb(s) for s in response.statuses}

    def task_infos(self, name: str) -> list[TaskInfo]:
        response = self._rpc.call(
            self._rpc.stub.ListTasks, pb.ListTasksRequest(group_id=self.group_id, name=name)
        )
        return [convert.task_info_from_pb(t) for t in response.tasks]

    def create_connector(
        self, name: str, config: Mapping[str, str], initial_state: TargetState = TargetState.STARTED
    ) -> ConnectorInfo:
        request = pb.CreateConnectorRequest(
            group_id=self.group_id,
            name=name,
            config=self._refuse_nulls(config),
            initial_state=convert.target_to_pb(initial_state),
        )
        return convert.connector_info_from_pb(
            self._rpc.call(self._rpc.stub.CreateConnector, request).connector
        )

    def put_connector_config(self, name: str, config: Mapping[str, str]) -> tuple[bool, ConnectorInfo]:
        request = pb.PutConnectorConfigRequest(
            group_id=self.group_id, name=name, config=self._refuse_nulls(config)
        )
        response = self._rpc.call(self._rpc.stub.PutConnectorConfig, request)
        return response.created, convert.connector_info_from_pb(response.connector)

    def _refuse_nulls(self, config: Mapping[str, str | None]) -> dict[str, str]:
        """A protobuf map cannot carry a JSON null, which validation refuses anyway: validate such a
        config through ValidateConnectorConfig (whose entries can) for the standalone 400."""
        if any(value is None for value in config.values()):
            raise_if_invalid(self.validate_config(config.get(CONNECTOR_CLASS) or "", config))
        return {key: value for key, value in config.items() if value is not None}

    def delete_connector(self, name: str) -> None:
        self._rpc.call(
            self._rpc.stub.DeleteConnector, pb.DeleteConnectorRequest(group_id=self.group_id, name=name)
        )

    def plugins(self, connectors_only: bool = True) -> list[PluginInfo]:
        response = self._rpc.call(self._rpc.stub.ListPlugins, pb.ListPluginsRequest(group_id=self.group_id))
        return sort_plugins([convert.plugin_from_pb(p) for p in response.plugins], connectors_only)

    def validate_config(self, plugin: str, config: Mapping[str, str | None]) -> dict[str, Any]:
        check_validate_request(plugin, config)
        request = pb.ValidateConnectorConfigRequest(
            group_id=self.group_id, plugin=plugin, config=convert.config_entries_to_pb(config)
        )
        return convert.config_infos_from_pb(
            self._rpc.call(self._rpc.stub.ValidateConnectorConfig, request).result
        )

    def plugin_config(self, plugin: str, version: str | None = None) -> list[dict[str, Any]]:
        request = pb.GetConnectorPluginConfigRequest(
            group_id=self.group_id, plugin=plugin, version=version or ""
        )
        response = self._rpc.call(self._rpc.stub.GetConnectorPluginConfig, request)
        return [convert.config_key_info_from_pb(key) for key in response.keys]

    def health(self) -> WorkerStatus:
        return self._health.check()

    def _set_cluster_logger_level(self, logger: str, level: str) -> None:
        request = cluster_admin_pb2.SetClusterLoggerLevelRequest(
            group_id=self.group_id, logger=logger, level=level
        )
        self._rpc.call(self._rpc.admin.SetClusterLoggerLevel, request)

    # --- lifecycle -------------------------------------------------------------------------------

    def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> ConnectorInfo:
        request = pb.PatchConnectorConfigRequest(
            group_id=self.group_id,
            name=name,
            set={k: v for k, v in patch.items() if v is not None},
            remove=[k for k, v in patch.items() if v is None],
        )
        return convert.connector_info_from_pb(
            self._rpc.call(self._rpc.stub.PatchConnectorConfig, request).connector
        )

    def connector_target_state(self, name: str) -> TargetState:
        response = self._rpc.call(
            self._rpc.stub.GetConnector, pb.GetConnectorRequest(group_id=self.group_id, name=name)
        )
        return convert.target_from_pb(response.target_state)

    def _set_target_state(self, name: str, target: TargetState) -> None:
        request = pb.SetTargetStateRequest(
            group_id=self.group_id, name=name, target_state=convert.target_to_pb(target)
        )
        self._rpc.call(self._rpc.stub.SetTargetState, request)

    def pause_connector(self, name: str) -> None:
        self._set_target_state(name, TargetState.PAUSED)

    def resume_connector(self, name: str) -> None:
        self._set_target_state(name, TargetState.STARTED)

    def stop_connector(self, name: str) -> None:
        self._set_target_state(name, TargetState.STOPPED)

    def restart_connector(
        self, name: str, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStateInfo:
        request = pb.RestartConnectorAndTasksRequest(
            group_id=self.group_id, name=name, include_tasks=include_tasks, only_failed=only_failed
        )
        return convert.status_from_pb(self._rpc.call(self._rpc.stub.RestartConnectorAndTasks, request).status)

    def restart_task(self, task: TaskId) -> None:
        request = pb.RestartAssignedTaskRequest(group_id=self.group_id, id=convert.task_id_to_pb(task))
        self._rpc.call(self._rpc.stub.RestartAssignedTask, request)

    def task_status(self, task: TaskId) -> StateInfo:
        request = pb.GetTaskStatusRequest(group_id=self.group_id, id=convert.task_id_to_pb(task))
        return convert.state_info_from_pb(self._rpc.call(self._rpc.stub.GetTaskStatus, request).status.state)

    # --- active topics (KIP-558) --------------------------------------------------------------------

    def active_topics(self, name: str) -> list[str]:
        self._topic_tracking.check_enabled()
        request = pb.GetActiveTopicsRequest(group_id=self.group_id, name=name)
        return list(self._rpc.call(self._rpc.stub.GetActiveTopics, request).topics)

    def reset_active_topics(self, name: str) -> None:
        self._topic_tracking.check_reset_allowed()
        request = pb.ResetActiveTopicsRequest(group_id=self.group_id, name=name)
        self._rpc.call(self._rpc.stub.ResetActiveTopics, request)

    # --- offsets (KIP-875) -----------------------------------------------------------------------

    def _offsets_manager(self) -> ConnectorOffsetsManager:
        if self._offsets is None:
            raise UnavailableError("this gateway has no offset store configured (offset.store.address)")
        return self._offsets

    def connector_offsets(self, name: str) -> dict[str, Any]:
        return self._offsets_manager().offsets(self, name)

    def alter_connector_offsets(self, name: str, offsets: Sequence[ConnectorOffset]) -> str:
        return self._offsets_manager().alter(self, name, offsets)

    def reset_connector_offsets(self, name: str) -> str:
        return self._offsets_manager().reset(self, name)
