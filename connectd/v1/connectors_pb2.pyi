from connectd.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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

class WatchConnectorStatusesRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class WatchConnectorStatusesResponse(_message.Message):
    __slots__ = ("version", "snapshot", "statuses", "removed")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    version: int
    snapshot: bool
    statuses: _containers.RepeatedCompositeFieldContainer[_common_pb2.ConnectorStatus]
    removed: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, version: _Optional[int] = ..., snapshot: _Optional[bool] = ..., statuses: _Optional[_Iterable[_Union[_common_pb2.ConnectorStatus, _Mapping]]] = ..., removed: _Optional[_Iterable[str]] = ...) -> None: ...

class GetStatusVersionRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class GetStatusVersionResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

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
