"""Translation between the core's entities and the ``connectd.v1`` messages, in one place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import json_format

from connectd.cluster.assignments import AssignedConnector, AssignedTask, MemberAssignment, StorageTopics
from connectd.cluster.coordinator_port import StatusUpdate
from connectd.runtime.logger_levels import LoggerLevel
from connectd.runtime.model import (
    ConnectorInfo,
    ConnectorStateInfo,
    ConnectorType,
    PluginInfo,
    State,
    StateInfo,
    TargetState,
    TaskId,
    TaskInfo,
)
from connectd.runtime.topic_tracking import TopicStatus
from connectd.v1 import common_pb2, membership_pb2, worker_pb2

_TYPE_TO_PB = {
    ConnectorType.SOURCE: common_pb2.CONNECTOR_TYPE_SOURCE,
    ConnectorType.SINK: common_pb2.CONNECTOR_TYPE_SINK,
    ConnectorType.UNKNOWN: common_pb2.CONNECTOR_TYPE_UNSPECIFIED,
}
_TYPE_FROM_PB = {v: k for k, v in _TYPE_TO_PB.items()}
_TARGET_TO_PB = {
    TargetState.STARTED: common_pb2.TARGET_STATE_STARTED,
    TargetState.PAUSED: common_pb2.TARGET_STATE_PAUSED,
    TargetState.STOPPED: common_pb2.TARGET_STATE_STOPPED,
}
_TARGET_FROM_PB = {v: k for k, v in _TARGET_TO_PB.items()}
_STATE_TO_PB = {state: common_pb2.State.Value(f"STATE_{state.value}") for state in State}
_STATE_FROM_PB = {v: k for k, v in _STATE_TO_PB.items()}


def connector_type_to_pb(value: ConnectorType) -> int:
    return _TYPE_TO_PB[value]


def connector_type_from_pb(value: int) -> ConnectorType:
    return _TYPE_FROM_PB.get(value, ConnectorType.UNKNOWN)


def target_to_pb(value: TargetState) -> int:
    return _TARGET_TO_PB[value]


def target_from_pb(value: int, default: TargetState = TargetState.STARTED) -> TargetState:
    return _TARGET_FROM_PB.get(value, default)


def state_to_pb(value: State) -> int:
    return _STATE_TO_PB[value]


def state_from_pb(value: int) -> State:
    return _STATE_FROM_PB.get(value, State.UNASSIGNED)


def task_id_to_pb(task: TaskId) -> common_pb2.TaskId:
    return common_pb2.TaskId(connector=task.connector, task=task.task)


def task_id_from_pb(task: common_pb2.TaskId) -> TaskId:
    return TaskId(task.connector, task.task)


def state_info_to_pb(info: StateInfo) -> common_pb2.StateInfo:
    return common_pb2.StateInfo(
        state=state_to_pb(info.state),
        worker_id=info.worker_id,
        trace=info.trace or "",
        version=info.version or "",
    )


def state_info_from_pb(info: common_pb2.StateInfo) -> StateInfo:
    return StateInfo(state_from_pb(info.state), info.worker_id, info.trace or None, info.version or None)


def connector_info_to_pb(info: ConnectorInfo) -> common_pb2.ConnectorInfo:
    return common_pb2.ConnectorInfo(
        name=info.name,
        config=info.config,
        tasks=[task_id_to_pb(t) for t in info.tasks],
        type=connector_type_to_pb(info.type),
    )


def connector_info_from_pb(info: common_pb2.ConnectorInfo) -> ConnectorInfo:
    return ConnectorInfo(
        info.name,
        dict(info.config),
        [task_id_from_pb(t) for t in info.tasks],
        connector_type_from_pb(info.type),
    )


def status_to_pb(status: ConnectorStateInfo) -> common_pb2.ConnectorStatus:
    return status_into_pb(status, common_pb2.ConnectorStatus())


def status_into_pb(
    status: ConnectorStateInfo, message: common_pb2.ConnectorStatus
) -> common_pb2.ConnectorStatus:
    """Fill ``message`` (new, or a new element of a repeated field) in place: twice as fast as
    building the nested messages and copying them in, which counts when listing every status."""
    message.name = status.name
    message.type = connector_type_to_pb(status.type)
    _state_info_into_pb(status.connector, message.connector)
    for i, state in sorted(status.tasks.items()):
        _state_info_into_pb(state, message.tasks.add(id=i).state)
    return message


def _state_info_into_pb(info: StateInfo, message: common_pb2.StateInfo) -> None:
    message.state = state_to_pb(info.state)
    message.worker_id = info.worker_id
    if info.trace:
        message.trace = info.trace
    if info.version:
        message.version = info.version


def status_from_pb(status: common_pb2.ConnectorStatus) -> ConnectorStateInfo:
    return ConnectorStateInfo(
        status.name,
        state_info_from_pb(status.connector),
        {t.id: state_info_from_pb(t.state) for t in status.tasks},
        connector_type_from_pb(status.type),
    )


def task_info_to_pb(info: TaskInfo) -> common_pb2.TaskInfo:
    return common_pb2.TaskInfo(id=task_id_to_pb(info.id), config=info.config)


def task_info_from_pb(info: common_pb2.TaskInfo) -> TaskInfo:
    return TaskInfo(task_id_from_pb(info.id), dict(info.config))


def plugin_to_pb(plugin: PluginInfo) -> common_pb2.PluginInfo:
    return common_pb2.PluginInfo(class_name=plugin.class_name, type=plugin.type, version=plugin.version)


def plugin_from_pb(plugin: common_pb2.PluginInfo) -> PluginInfo:
    return PluginInfo(plugin.class_name, plugin.type, plugin.version or "undefined")


def config_entries_to_pb(config: Mapping[str, str | None]) -> list[common_pb2.ConfigEntry]:
    return [
        common_pb2.ConfigEntry(key=k) if v is None else common_pb2.ConfigEntry(key=k, value=v)
        for k, v in config.items()
    ]


def config_entries_from_pb(entries: Iterable[common_pb2.ConfigEntry]) -> dict[str, str | None]:
    return {e.key: (e.value if e.HasField("value") else None) for e in entries}


def config_infos_to_pb(infos: Mapping[str, Any]) -> common_pb2.ConfigInfos:
    # The REST shape names the key position "order"; every other field matches the message.
    return json_format.ParseDict(infos, common_pb2.ConfigInfos())


def config_key_infos_to_pb(keys: Iterable[Mapping[str, Any]]) -> list[common_pb2.ConfigKeyInfo]:
    return [json_format.ParseDict(key, common_pb2.ConfigKeyInfo()) for key in keys]


def config_key_info_from_pb(d: common_pb2.ConfigKeyInfo) -> dict[str, Any]:
    """Connect's ``ConfigKeyInfo`` JSON, nulls included."""
    return {
        "name": d.name,
        "type": d.type,
        "required": d.required,
        "default_value": d.default_value if d.HasField("default_value") else None,
        "importance": d.importance,
        "documentation": d.documentation,
        "group": d.group if d.HasField("group") else None,
        "order": d.order,
        "width": d.width,
        "display_name": d.display_name,
        "dependents": list(d.dependents),
    }


def config_infos_from_pb(infos: common_pb2.ConfigInfos) -> dict[str, Any]:
    """Back to the exact REST JSON shape, nulls and empty lists included."""
    configs = []
    for entry in infos.configs:
        v = entry.value
        # An entry for a key no definition covers has definition null.
        definition = config_key_info_from_pb(entry.definition) if entry.HasField("definition") else None
        configs.append(
            {
                "definition": definition,
                "value": {
                    "name": v.name,
                    "value": v.value if v.HasField("value") else None,
                    "recommended_values": list(v.recommended_values),
                    "errors": list(v.errors),
                    "visible": v.visible,
                },
            }
        )
    return {
        "name": infos.name,
        "error_count": infos.error_count,
        "groups": list(infos.groups),
        "configs": configs,
    }


def storage_to_pb(storage: StorageTopics) -> common_pb2.StorageTopics:
    return common_pb2.StorageTopics(
        config_topic=storage.config_topic,
        offset_topic=storage.offset_topic,
        status_topic=storage.status_topic,
    )


def storage_from_pb(storage: common_pb2.StorageTopics) -> StorageTopics:
    return StorageTopics(storage.config_topic, storage.offset_topic, storage.status_topic)


# The coordinator reuses one AssignedTask object per task while its configs do not change, and pushes
# it again in every generation of its worker: its message is built once. Entries keep their task
# object alive, so an id is never reused while cached; the cache is emptied when it grows large.
_TASK_ASSIGNMENTS: dict[int, tuple[AssignedTask, membership_pb2.TaskAssignment]] = {}
_TASK_ASSIGNMENTS_MAX = 200_000


def _task_assignment_to_pb(task: AssignedTask) -> membership_pb2.TaskAssignment:
    cached = _TASK_ASSIGNMENTS.get(id(task))
    if cached is not None and cached[0] is task:
        return cached[1]
    message = membership_pb2.TaskAssignment(
        id=task_id_to_pb(task.id),
        config=dict(task.config),
        target_state=target_to_pb(task.target_state),
        connector_config=dict(task.connector_config),
        epoch=task.epoch,
    )
    if len(_TASK_ASSIGNMENTS) >= _TASK_ASSIGNMENTS_MAX:
        _TASK_ASSIGNMENTS.clear()
    _TASK_ASSIGNMENTS[id(task)] = (task, message)
    return message


def assignment_to_pb(assignment: MemberAssignment) -> membership_pb2.WatchAssignmentsResponse:
    return membership_pb2.WatchAssignmentsResponse(
        generation=assignment.generation,
        connectors=[
            membership_pb2.ConnectorAssignment(
                name=c.name, config=dict(c.config), target_state=target_to_pb(c.target_state)
            )
            for c in assignment.connectors
        ],
        tasks=[_task_assignment_to_pb(t) for t in assignment.tasks],
    )


def assignment_from_pb(message: membership_pb2.WatchAssignmentsResponse) -> MemberAssignment:
    return MemberAssignment(
        message.generation,
        tuple(
            AssignedConnector(c.name, dict(c.config), target_from_pb(c.target_state))
            for c in message.connectors
        ),
        tuple(
            AssignedTask(
                task_id_from_pb(t.id),
                dict(t.config),
                target_from_pb(t.target_state),
                dict(t.connector_config),
                t.epoch,
            )
            for t in message.tasks
        ),
    )


def active_topic_to_pb(status: TopicStatus) -> membership_pb2.ActiveTopic:
    return membership_pb2.ActiveTopic(
        connector=status.connector,
        topic=status.topic,
        task=status.task,
        discover_timestamp_ms=status.discover_timestamp,
    )


def active_topic_from_pb(message: membership_pb2.ActiveTopic) -> TopicStatus:
    return TopicStatus(message.topic, message.connector, message.task, message.discover_timestamp_ms)


def status_update_to_pb(update: StatusUpdate) -> membership_pb2.StatusUpdate:
    message = membership_pb2.StatusUpdate(
        connector=update.connector, state=state_info_to_pb(update.state), generation=update.generation
    )
    if update.task is not None:
        message.task = update.task
    return message


def status_update_from_pb(message: membership_pb2.StatusUpdate) -> StatusUpdate:
    return StatusUpdate(
        message.connector,
        message.task if message.HasField("task") else None,
        state_info_from_pb(message.state),
        message.generation,
    )


def logger_levels_to_pb(levels: Mapping[str, LoggerLevel]) -> list[worker_pb2.LoggerLevel]:
    return [
        worker_pb2.LoggerLevel(logger=name, level=level.level, last_modified_ms=level.last_modified)
        for name, level in levels.items()
    ]


def logger_levels_from_pb(levels: Iterable[worker_pb2.LoggerLevel]) -> dict[str, LoggerLevel]:
    return {
        entry.logger: LoggerLevel(
            entry.level, entry.last_modified_ms if entry.HasField("last_modified_ms") else None
        )
        for entry in levels
    }
