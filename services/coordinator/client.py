"""Clients of the CoordinatorService: the gateway's control plane and a worker's membership calls.

Every call carries a deadline; a failed call raises the domain error its status code maps to, so an
unreachable coordinator is an UnavailableError (503 at the gateway), never a hang.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import grpc

from connectd.cluster.group import MemberAssignment, StorageTopics
from connectd.errors import UnavailableError
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
from connectd.runtime.standalone import check_validate_request, sort_plugins
from connectd.v1 import coordinator_pb2 as pb
from connectd.v1 import coordinator_pb2_grpc
from services import convert
from services.grpc_support import domain_error_from

T = TypeVar("T")


class _CoordinatorStub:
    def __init__(self, address: str, timeout_s: float) -> None:
        self.address = address
        self.timeout = timeout_s
        self._channel = grpc.insecure_channel(address)
        self.stub = coordinator_pb2_grpc.CoordinatorServiceStub(self._channel)

    def call(self, method: Callable[..., T], request: Any) -> T:
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as exc:
            raise domain_error_from(exc, f"coordinator at {self.address}") from None

    def close(self) -> None:
        self._channel.close()


class CoordinatorControl:
    """:class:`connectd.runtime.control.ConnectControl` for one group, over gRPC."""

    def __init__(self, address: str, group_id: str, server_info: ServerInfo, timeout_s: float = 10.0) -> None:
        self._rpc = _CoordinatorStub(address, timeout_s)
        self.group_id = group_id
        self._server_info = server_info

    def close(self) -> None:
        self._rpc.close()

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
            config=dict(config),
            initial_state=convert.target_to_pb(initial_state),
        )
        return convert.connector_info_from_pb(
            self._rpc.call(self._rpc.stub.CreateConnector, request).connector
        )

    def put_connector_config(self, name: str, config: Mapping[str, str]) -> tuple[bool, ConnectorInfo]:
        request = pb.PutConnectorConfigRequest(group_id=self.group_id, name=name, config=dict(config))
        response = self._rpc.call(self._rpc.stub.PutConnectorConfig, request)
        return response.created, convert.connector_info_from_pb(response.connector)

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


class CoordinatorMembership:
    """A worker's side of the group protocol."""

    def __init__(self, address: str, group_id: str, worker_id: str, timeout_s: float = 10.0) -> None:
        self._rpc = _CoordinatorStub(address, timeout_s)
        self.group_id = group_id
        self.worker_id = worker_id

    def close(self) -> None:
        self._rpc.close()

    def register(
        self,
        address: str,
        plugins: Sequence[PluginInfo],
        storage: StorageTopics,
        running_connectors: Sequence[str],
        running_tasks: Sequence[TaskId],
    ) -> pb.RegisterWorkerResponse:
        request = pb.RegisterWorkerRequest(
            group_id=self.group_id,
            worker_id=self.worker_id,
            address=address,
            plugins=[convert.plugin_to_pb(p) for p in plugins],
            storage=convert.storage_to_pb(storage),
            running_connectors=list(running_connectors),
            running_tasks=[convert.task_id_to_pb(t) for t in running_tasks],
        )
        return self._rpc.call(self._rpc.stub.RegisterWorker, request)

    def heartbeat(self, applied_generation: int) -> int:
        request = pb.HeartbeatRequest(
            group_id=self.group_id, worker_id=self.worker_id, applied_generation=applied_generation
        )
        return self._rpc.call(self._rpc.stub.Heartbeat, request).generation

    def leave(self) -> None:
        self._rpc.call(
            self._rpc.stub.LeaveGroup, pb.LeaveGroupRequest(group_id=self.group_id, worker_id=self.worker_id)
        )

    def watch(self) -> Iterator[MemberAssignment]:
        """Assignments as the coordinator pushes them; raises a domain error when the stream breaks."""
        request = pb.WatchAssignmentsRequest(group_id=self.group_id, worker_id=self.worker_id)
        # No deadline: the stream lives as long as the membership; breaks surface as errors.
        stream = self._rpc.stub.WatchAssignments(request)
        try:
            for message in stream:
                yield convert.assignment_from_pb(message)
        except grpc.RpcError as exc:
            raise domain_error_from(exc, f"coordinator at {self._rpc.address}") from None
        finally:
            stream.cancel()
        raise UnavailableError(f"coordinator at {self._rpc.address} closed the assignment stream")

    def report_status(self, updates: Sequence[tuple[str, int | None, StateInfo, int]]) -> None:
        messages = []
        for connector, task, state, generation in updates:
            update = pb.StatusUpdate(
                connector=connector, state=convert.state_info_to_pb(state), generation=generation
            )
            if task is not None:
                update.task = task
            messages.append(update)
        request = pb.ReportStatusRequest(group_id=self.group_id, worker_id=self.worker_id, updates=messages)
        self._rpc.call(self._rpc.stub.ReportStatus, request)

    def submit_task_configs(self, connector: str, configs: Sequence[Mapping[str, str]]) -> None:
        request = pb.SubmitTaskConfigsRequest(
            group_id=self.group_id,
            worker_id=self.worker_id,
            connector=connector,
            tasks=[pb.TaskConfig(config=dict(c)) for c in configs],
        )
        self._rpc.call(self._rpc.stub.SubmitTaskConfigs, request)
