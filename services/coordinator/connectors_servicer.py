"""ConnectorService: the admin API behind the REST gateway, a thin adapter over the core."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import grpc

from connectd.cluster.coordinator import Coordinator
from connectd.cluster.status_feed import StatusCursor
from connectd.errors import BadRequestError
from connectd.v1 import common_pb2, connectors_pb2_grpc
from connectd.v1 import connectors_pb2 as pb
from services import convert

# How long a status watch waits for a change before it re-checks that its client is still there.
WATCH_POLL_SECONDS = 1.0


class ConnectorServicer(connectors_pb2_grpc.ConnectorServiceServicer):
    def __init__(self, coordinator: Coordinator, stopping: threading.Event | None = None) -> None:
        self._core = coordinator
        # Set on shutdown: status streams end at once instead of holding the server's grace period.
        self._stopping = stopping or threading.Event()

    def ListConnectors(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.ListConnectorsResponse(names=self._core.group(request.group_id).connector_names())

    def GetConnector(self, request: Any, context: grpc.ServicerContext) -> Any:
        group = self._core.group(request.group_id)
        return pb.GetConnectorResponse(
            connector=convert.connector_info_to_pb(group.connector_info(request.name)),
            target_state=convert.target_to_pb(group.target_state(request.name)),
        )

    def CreateConnector(self, request: Any, context: grpc.ServicerContext) -> Any:
        info = self._core.create_connector(
            request.group_id,
            request.name,
            dict(request.config),
            convert.target_from_pb(request.initial_state),
        )
        return pb.CreateConnectorResponse(connector=convert.connector_info_to_pb(info))

    def PutConnectorConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        created, info = self._core.put_connector_config(request.group_id, request.name, dict(request.config))
        return pb.PutConnectorConfigResponse(created=created, connector=convert.connector_info_to_pb(info))

    def PatchConnectorConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        patch: dict[str, str | None] = {**dict(request.set), **dict.fromkeys(request.remove)}
        info = self._core.patch_connector_config(request.group_id, request.name, patch)
        return pb.PatchConnectorConfigResponse(connector=convert.connector_info_to_pb(info))

    def DeleteConnector(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._core.group(request.group_id).delete_connector(request.name)
        return pb.DeleteConnectorResponse()

    def GetConnectorStatus(self, request: Any, context: grpc.ServicerContext) -> Any:
        status = self._core.group(request.group_id).connector_status(request.name)
        return pb.GetConnectorStatusResponse(status=convert.status_to_pb(status))

    def ListConnectorStatuses(self, request: Any, context: grpc.ServicerContext) -> Any:
        response = pb.ListConnectorStatusesResponse()
        for status in self._core.group(request.group_id).connector_statuses():
            convert.status_into_pb(status, response.statuses.add())
        return response

    def WatchConnectorStatuses(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        group = self._core.group(request.group_id)
        cursor = StatusCursor()
        while context.is_active() and not self._stopping.is_set():
            out = cursor.advance(group.status_delta(cursor.version))
            if out is not None:
                response = pb.WatchConnectorStatusesResponse(
                    version=out.version, snapshot=out.snapshot, removed=out.removed
                )
                for status in out.statuses:
                    convert.status_into_pb(status, response.statuses.add())
                yield response
            assert cursor.version is not None
            group.status_changes.wait_beyond(cursor.version, WATCH_POLL_SECONDS)

    def GetStatusVersion(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetStatusVersionResponse(version=self._core.group(request.group_id).status_changes.version)

    def ListTasks(self, request: Any, context: grpc.ServicerContext) -> Any:
        tasks = self._core.group(request.group_id).task_infos(request.name)
        return pb.ListTasksResponse(tasks=[convert.task_info_to_pb(t) for t in tasks])

    def GetTaskStatus(self, request: Any, context: grpc.ServicerContext) -> Any:
        task = convert.task_id_from_pb(request.id)
        state = self._core.group(request.group_id).task_status(task)
        return pb.GetTaskStatusResponse(
            status=common_pb2.TaskStatus(id=task.task, state=convert.state_info_to_pb(state))
        )

    def SetTargetState(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.target_state == common_pb2.TARGET_STATE_UNSPECIFIED:
            raise BadRequestError("target_state is required")
        target = convert.target_from_pb(request.target_state)
        self._core.group(request.group_id).set_target_state(request.name, target)
        return pb.SetTargetStateResponse()

    def RestartConnectorAndTasks(self, request: Any, context: grpc.ServicerContext) -> Any:
        snapshot = self._core.restart_connector(
            request.group_id, request.name, request.include_tasks, request.only_failed
        )
        return pb.RestartConnectorAndTasksResponse(status=convert.status_to_pb(snapshot))

    def RestartAssignedTask(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._core.restart_task(request.group_id, convert.task_id_from_pb(request.id))
        return pb.RestartAssignedTaskResponse()

    def GetActiveTopics(self, request: Any, context: grpc.ServicerContext) -> Any:
        topics = self._core.group(request.group_id).active_topics.topics(request.name)
        return pb.GetActiveTopicsResponse(topics=topics)

    def ResetActiveTopics(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._core.group(request.group_id).active_topics.reset(request.name)
        return pb.ResetActiveTopicsResponse()

    def ListPlugins(self, request: Any, context: grpc.ServicerContext) -> Any:
        plugins = self._core.group(request.group_id).plugins()
        return pb.ListPluginsResponse(plugins=[convert.plugin_to_pb(p) for p in plugins])

    def ValidateConnectorConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        infos = self._core.validate(
            request.group_id, request.plugin, convert.config_entries_from_pb(request.config)
        )
        return pb.ValidateConnectorConfigResponse(result=convert.config_infos_to_pb(infos))

    def GetConnectorPluginConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        keys = self._core.plugin_config(request.group_id, request.plugin, request.version or None)
        return pb.GetConnectorPluginConfigResponse(keys=convert.config_key_infos_to_pb(keys))
