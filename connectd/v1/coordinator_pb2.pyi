from connectd.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StorageTopics(_message.Message):
    __slots__ = ("config_topic", "offset_topic", "status_topic")
    CONFIG_TOPIC_FIELD_NUMBER: _ClassVar[int]
    OFFSET_TOPIC_FIELD_NUMBER: _ClassVar[int]
    STATUS_TOPIC_FIELD_NUMBER: _ClassVar[int]
    config_topic: str
    offset_topic: str
    status_topic: str
    def __init__(self, config_topic: _Optional[str] = ..., offset_topic: _Optional[str] = ..., status_topic: _Optional[str] = ...) -> None: ...

class RegisterWorkerRequest(_message.Message):
    __slots__ = ("group_id", "worker_id", "address", "plugins", "storage", "running_connectors", "running_tasks")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PLUGINS_FIELD_NUMBER: _ClassVar[int]
    STORAGE_FIELD_NUMBER: _ClassVar[int]
    RUNNING_CONNECTORS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_TASKS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    worker_id: str
    address: str
    plugins: _containers.RepeatedCompositeFieldContainer[_common_pb2.PluginInfo]
    storage: StorageTopics
    running_connectors: _containers.RepeatedScalarFieldContainer[str]
    running_tasks: _containers.RepeatedCompositeFieldContainer[_common_pb2.TaskId]
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., address: _Optional[str] = ..., plugins: _Optional[_Iterable[_Union[_common_pb2.PluginInfo, _Mapping]]] = ..., storage: _Optional[_Union[StorageTopics, _Mapping]] = ..., running_connectors: _Optional[_Iterable[str]] = ..., running_tasks: _Optional[_Iterable[_Union[_common_pb2.TaskId, _Mapping]]] = ...) -> None: ...

class RegisterWorkerResponse(_message.Message):
    __slots__ = ("heartbeat_interval_ms", "lease_timeout_ms")
    HEARTBEAT_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    LEASE_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    heartbeat_interval_ms: int
    lease_timeout_ms: int
    def __init__(self, heartbeat_interval_ms: _Optional[int] = ..., lease_timeout_ms: _Optional[int] = ...) -> None: ...

class LeaveGroupRequest(_message.Message):
    __slots__ = ("group_id", "worker_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    worker_id: str
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ...) -> None: ...

class LeaveGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("group_id", "worker_id", "applied_generation")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    APPLIED_GENERATION_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    worker_id: str
    applied_generation: int
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., applied_generation: _Optional[int] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("generation", "topic_resets")
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    TOPIC_RESETS_FIELD_NUMBER: _ClassVar[int]
    generation: int
    topic_resets: int
    def __init__(self, generation: _Optional[int] = ..., topic_resets: _Optional[int] = ...) -> None: ...

class WatchAssignmentsRequest(_message.Message):
    __slots__ = ("group_id", "worker_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    worker_id: str
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ...) -> None: ...

class ConnectorAssignment(_message.Message):
    __slots__ = ("name", "config", "target_state")
    class ConfigEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    TARGET_STATE_FIELD_NUMBER: _ClassVar[int]
    name: str
    config: _containers.ScalarMap[str, str]
    target_state: _common_pb2.TargetState
    def __init__(self, name: _Optional[str] = ..., config: _Optional[_Mapping[str, str]] = ..., target_state: _Optional[_Union[_common_pb2.TargetState, str]] = ...) -> None: ...

class TaskAssignment(_message.Message):
    __slots__ = ("id", "config", "target_state", "connector_config")
    class ConfigEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ConnectorConfigEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    TARGET_STATE_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_CONFIG_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.TaskId
    config: _containers.ScalarMap[str, str]
    target_state: _common_pb2.TargetState
    connector_config: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[_Union[_common_pb2.TaskId, _Mapping]] = ..., config: _Optional[_Mapping[str, str]] = ..., target_state: _Optional[_Union[_common_pb2.TargetState, str]] = ..., connector_config: _Optional[_Mapping[str, str]] = ...) -> None: ...

class WatchAssignmentsResponse(_message.Message):
    __slots__ = ("generation", "connectors", "tasks")
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    CONNECTORS_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    generation: int
    connectors: _containers.RepeatedCompositeFieldContainer[ConnectorAssignment]
    tasks: _containers.RepeatedCompositeFieldContainer[TaskAssignment]
    def __init__(self, generation: _Optional[int] = ..., connectors: _Optional[_Iterable[_Union[ConnectorAssignment, _Mapping]]] = ..., tasks: _Optional[_Iterable[_Union[TaskAssignment, _Mapping]]] = ...) -> None: ...

class StatusUpdate(_message.Message):
    __slots__ = ("connector", "task", "state", "generation")
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    connector: str
    task: int
    state: _common_pb2.StateInfo
    generation: int
    def __init__(self, connector: _Optional[str] = ..., task: _Optional[int] = ..., state: _Optional[_Union[_common_pb2.StateInfo, _Mapping]] = ..., generation: _Optional[int] = ...) -> None: ...

class ActiveTopic(_message.Message):
    __slots__ = ("connector", "topic", "task", "discover_timestamp_ms")
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    DISCOVER_TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    connector: str
    topic: str
    task: int
    discover_timestamp_ms: int
    def __init__(self, connector: _Optional[str] = ..., topic: _Optional[str] = ..., task: _Optional[int] = ..., discover_timestamp_ms: _Optional[int] = ...) -> None: ...

class ReportStatusRequest(_message.Message):
    __slots__ = ("group_id", "worker_id", "updates", "active_topics")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_TOPICS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    worker_id: str
    updates: _containers.RepeatedCompositeFieldContainer[StatusUpdate]
    active_topics: _containers.RepeatedCompositeFieldContainer[ActiveTopic]
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., updates: _Optional[_Iterable[_Union[StatusUpdate, _Mapping]]] = ..., active_topics: _Optional[_Iterable[_Union[ActiveTopic, _Mapping]]] = ...) -> None: ...

class ReportStatusResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TaskConfig(_message.Message):
    __slots__ = ("config",)
    class ConfigEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    config: _containers.ScalarMap[str, str]
    def __init__(self, config: _Optional[_Mapping[str, str]] = ...) -> None: ...

class SubmitTaskConfigsRequest(_message.Message):
    __slots__ = ("group_id", "worker_id", "connector", "tasks")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    worker_id: str
    connector: str
    tasks: _containers.RepeatedCompositeFieldContainer[TaskConfig]
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., connector: _Optional[str] = ..., tasks: _Optional[_Iterable[_Union[TaskConfig, _Mapping]]] = ...) -> None: ...

class SubmitTaskConfigsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListConnectorsRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class ListConnectorsResponse(_message.Message):
    __slots__ = ("names",)
    NAMES_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, names: _Optional[_Iterable[str]] = ...) -> None: ...

class GetConnectorRequest(_message.Message):
    __slots__ = ("group_id", "name")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class GetConnectorResponse(_message.Message):
    __slots__ = ("connector", "target_state")
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    TARGET_STATE_FIELD_NUMBER: _ClassVar[int]
    connector: _common_pb2.ConnectorInfo
    target_state: _common_pb2.TargetState
    def __init__(self, connector: _Optional[_Union[_common_pb2.ConnectorInfo, _Mapping]] = ..., target_state: _Optional[_Union[_common_pb2.TargetState, str]] = ...) -> None: ...

class CreateConnectorRequest(_message.Message):
    __slots__ = ("group_id", "name", "config", "initial_state")
    class ConfigEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    INITIAL_STATE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    config: _containers.ScalarMap[str, str]
    initial_state: _common_pb2.TargetState
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ..., config: _Optional[_Mapping[str, str]] = ..., initial_state: _Optional[_Union[_common_pb2.TargetState, str]] = ...) -> None: ...

class CreateConnectorResponse(_message.Message):
    __slots__ = ("connector",)
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    connector: _common_pb2.ConnectorInfo
    def __init__(self, connector: _Optional[_Union[_common_pb2.ConnectorInfo, _Mapping]] = ...) -> None: ...

class PutConnectorConfigRequest(_message.Message):
    __slots__ = ("group_id", "name", "config")
    class ConfigEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    config: _containers.ScalarMap[str, str]
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ..., config: _Optional[_Mapping[str, str]] = ...) -> None: ...

class PutConnectorConfigResponse(_message.Message):
    __slots__ = ("created", "connector")
    CREATED_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    created: bool
    connector: _common_pb2.ConnectorInfo
    def __init__(self, created: _Optional[bool] = ..., connector: _Optional[_Union[_common_pb2.ConnectorInfo, _Mapping]] = ...) -> None: ...

class DeleteConnectorRequest(_message.Message):
    __slots__ = ("group_id", "name")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class DeleteConnectorResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetConnectorStatusRequest(_message.Message):
    __slots__ = ("group_id", "name")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class GetConnectorStatusResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: _common_pb2.ConnectorStatus
    def __init__(self, status: _Optional[_Union[_common_pb2.ConnectorStatus, _Mapping]] = ...) -> None: ...

class ListConnectorStatusesRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class ListConnectorStatusesResponse(_message.Message):
    __slots__ = ("statuses",)
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[_common_pb2.ConnectorStatus]
    def __init__(self, statuses: _Optional[_Iterable[_Union[_common_pb2.ConnectorStatus, _Mapping]]] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("group_id", "name")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks",)
    TASKS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[_common_pb2.TaskInfo]
    def __init__(self, tasks: _Optional[_Iterable[_Union[_common_pb2.TaskInfo, _Mapping]]] = ...) -> None: ...

class ListPluginsRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class ListPluginsResponse(_message.Message):
    __slots__ = ("plugins",)
    PLUGINS_FIELD_NUMBER: _ClassVar[int]
    plugins: _containers.RepeatedCompositeFieldContainer[_common_pb2.PluginInfo]
    def __init__(self, plugins: _Optional[_Iterable[_Union[_common_pb2.PluginInfo, _Mapping]]] = ...) -> None: ...

class ValidateConnectorConfigRequest(_message.Message):
    __slots__ = ("group_id", "plugin", "config")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PLUGIN_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    plugin: str
    config: _containers.RepeatedCompositeFieldContainer[_common_pb2.ConfigEntry]
    def __init__(self, group_id: _Optional[str] = ..., plugin: _Optional[str] = ..., config: _Optional[_Iterable[_Union[_common_pb2.ConfigEntry, _Mapping]]] = ...) -> None: ...

class ValidateConnectorConfigResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _common_pb2.ConfigInfos
    def __init__(self, result: _Optional[_Union[_common_pb2.ConfigInfos, _Mapping]] = ...) -> None: ...

class DescribeGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class GroupMember(_message.Message):
    __slots__ = ("worker_id", "address", "generation", "applied_generation", "connectors", "tasks")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    APPLIED_GENERATION_FIELD_NUMBER: _ClassVar[int]
    CONNECTORS_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    address: str
    generation: int
    applied_generation: int
    connectors: _containers.RepeatedScalarFieldContainer[str]
    tasks: _containers.RepeatedCompositeFieldContainer[_common_pb2.TaskId]
    def __init__(self, worker_id: _Optional[str] = ..., address: _Optional[str] = ..., generation: _Optional[int] = ..., applied_generation: _Optional[int] = ..., connectors: _Optional[_Iterable[str]] = ..., tasks: _Optional[_Iterable[_Union[_common_pb2.TaskId, _Mapping]]] = ...) -> None: ...

class DescribeGroupResponse(_message.Message):
    __slots__ = ("members", "storage")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    STORAGE_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[GroupMember]
    storage: StorageTopics
    def __init__(self, members: _Optional[_Iterable[_Union[GroupMember, _Mapping]]] = ..., storage: _Optional[_Union[StorageTopics, _Mapping]] = ...) -> None: ...

class PatchConnectorConfigRequest(_message.Message):
    __slots__ = ("group_id", "name", "set", "remove")
    class SetEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    REMOVE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    set: _containers.ScalarMap[str, str]
    remove: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ..., set: _Optional[_Mapping[str, str]] = ..., remove: _Optional[_Iterable[str]] = ...) -> None: ...

class PatchConnectorConfigResponse(_message.Message):
    __slots__ = ("connector",)
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    connector: _common_pb2.ConnectorInfo
    def __init__(self, connector: _Optional[_Union[_common_pb2.ConnectorInfo, _Mapping]] = ...) -> None: ...

class SetTargetStateRequest(_message.Message):
    __slots__ = ("group_id", "name", "target_state")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_STATE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    target_state: _common_pb2.TargetState
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ..., target_state: _Optional[_Union[_common_pb2.TargetState, str]] = ...) -> None: ...

class SetTargetStateResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RestartConnectorAndTasksRequest(_message.Message):
    __slots__ = ("group_id", "name", "include_tasks", "only_failed")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_TASKS_FIELD_NUMBER: _ClassVar[int]
    ONLY_FAILED_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    include_tasks: bool
    only_failed: bool
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ..., include_tasks: _Optional[bool] = ..., only_failed: _Optional[bool] = ...) -> None: ...

class RestartConnectorAndTasksResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: _common_pb2.ConnectorStatus
    def __init__(self, status: _Optional[_Union[_common_pb2.ConnectorStatus, _Mapping]] = ...) -> None: ...

class RestartAssignedTaskRequest(_message.Message):
    __slots__ = ("group_id", "id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    id: _common_pb2.TaskId
    def __init__(self, group_id: _Optional[str] = ..., id: _Optional[_Union[_common_pb2.TaskId, _Mapping]] = ...) -> None: ...

class RestartAssignedTaskResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetTaskStatusRequest(_message.Message):
    __slots__ = ("group_id", "id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    id: _common_pb2.TaskId
    def __init__(self, group_id: _Optional[str] = ..., id: _Optional[_Union[_common_pb2.TaskId, _Mapping]] = ...) -> None: ...

class GetTaskStatusResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: _common_pb2.TaskStatus
    def __init__(self, status: _Optional[_Union[_common_pb2.TaskStatus, _Mapping]] = ...) -> None: ...

class GetActiveTopicsRequest(_message.Message):
    __slots__ = ("group_id", "name")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class GetActiveTopicsResponse(_message.Message):
    __slots__ = ("topics",)
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    topics: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, topics: _Optional[_Iterable[str]] = ...) -> None: ...

class ResetActiveTopicsRequest(_message.Message):
    __slots__ = ("group_id", "name")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ResetActiveTopicsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetConnectorPluginConfigRequest(_message.Message):
    __slots__ = ("group_id", "plugin", "version")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PLUGIN_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    plugin: str
    version: str
    def __init__(self, group_id: _Optional[str] = ..., plugin: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class GetConnectorPluginConfigResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[_common_pb2.ConfigKeyInfo]
    def __init__(self, keys: _Optional[_Iterable[_Union[_common_pb2.ConfigKeyInfo, _Mapping]]] = ...) -> None: ...

class SetClusterLoggerLevelRequest(_message.Message):
    __slots__ = ("group_id", "logger", "level")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    LOGGER_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    logger: str
    level: str
    def __init__(self, group_id: _Optional[str] = ..., logger: _Optional[str] = ..., level: _Optional[str] = ...) -> None: ...

class SetClusterLoggerLevelResponse(_message.Message):
    __slots__ = ("applied_worker_ids", "failed_worker_ids")
    APPLIED_WORKER_IDS_FIELD_NUMBER: _ClassVar[int]
    FAILED_WORKER_IDS_FIELD_NUMBER: _ClassVar[int]
    applied_worker_ids: _containers.RepeatedScalarFieldContainer[str]
    failed_worker_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, applied_worker_ids: _Optional[_Iterable[str]] = ..., failed_worker_ids: _Optional[_Iterable[str]] = ...) -> None: ...
