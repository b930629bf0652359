from connectd.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RunningTask(_message.Message):
    __slots__ = ("id", "epoch")
    ID_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.TaskId
    epoch: int
    def __init__(self, id: _Optional[_Union[_common_pb2.TaskId, _Mapping]] = ..., epoch: _Optional[int] = ...) -> None: ...

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
    storage: _common_pb2.StorageTopics
    running_connectors: _containers.RepeatedScalarFieldContainer[str]
    running_tasks: _containers.RepeatedCompositeFieldContainer[RunningTask]
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., address: _Optional[str] = ..., plugins: _Optional[_Iterable[_Union[_common_pb2.PluginInfo, _Mapping]]] = ..., storage: _Optional[_Union[_common_pb2.StorageTopics, _Mapping]] = ..., running_connectors: _Optional[_Iterable[str]] = ..., running_tasks: _Optional[_Iterable[_Union[RunningTask, _Mapping]]] = ...) -> None: ...

class RegisterWorkerResponse(_message.Message):
    __slots__ = ("heartbeat_interval_ms", "lease_timeout_ms", "session")
    HEARTBEAT_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    LEASE_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    heartbeat_interval_ms: int
    lease_timeout_ms: int
    session: str
    def __init__(self, heartbeat_interval_ms: _Optional[int] = ..., lease_timeout_ms: _Optional[int] = ..., session: _Optional[str] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("group_id", "worker_id", "applied_generation", "session")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    APPLIED_GENERATION_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    worker_id: str
    applied_generation: int
    session: str
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., applied_generation: _Optional[int] = ..., session: _Optional[str] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("generation", "topic_resets")
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    TOPIC_RESETS_FIELD_NUMBER: _ClassVar[int]
    generation: int
    topic_resets: int
    def __init__(self, generation: _Optional[int] = ..., topic_resets: _Optional[int] = ...) -> None: ...

class WatchAssignmentsRequest(_message.Message):
    __slots__ = ("group_id", "worker_id", "session")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    worker_id: str
    session: str
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., session: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("id", "config", "target_state", "connector_config", "epoch")
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
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.TaskId
    config: _containers.ScalarMap[str, str]
    target_state: _common_pb2.TargetState
    connector_config: _containers.ScalarMap[str, str]
    epoch: int
    def __init__(self, id: _Optional[_Union[_common_pb2.TaskId, _Mapping]] = ..., config: _Optional[_Mapping[str, str]] = ..., target_state: _Optional[_Union[_common_pb2.TargetState, str]] = ..., connector_config: _Optional[_Mapping[str, str]] = ..., epoch: _Optional[int] = ...) -> None: ...

class WatchAssignmentsResponse(_message.Message):
    __slots__ = ("generation", "connectors", "tasks")
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    CONNECTORS_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    generation: int
    connectors: _containers.RepeatedCompositeFieldContainer[ConnectorAssignment]
    tasks: _containers.RepeatedCompositeFieldContainer[TaskAssignment]
    def __init__(self, generation: _Optional[int] = ..., connectors: _Optional[_Iterable[_Union[ConnectorAssignment, _Mapping]]] = ..., tasks: _Optional[_Iterable[_Union[TaskAssignment, _Mapping]]] = ...) -> None: ...

class LeaveGroupRequest(_message.Message):
    __slots__ = ("group_id", "worker_id", "session")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    worker_id: str
    session: str
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., session: _Optional[str] = ...) -> None: ...

class LeaveGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

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
    __slots__ = ("group_id", "worker_id", "updates", "active_topics", "session")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_TOPICS_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    worker_id: str
    updates: _containers.RepeatedCompositeFieldContainer[StatusUpdate]
    active_topics: _containers.RepeatedCompositeFieldContainer[ActiveTopic]
    session: str
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., updates: _Optional[_Iterable[_Union[StatusUpdate, _Mapping]]] = ..., active_topics: _Optional[_Iterable[_Union[ActiveTopic, _Mapping]]] = ..., session: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("group_id", "worker_id", "connector", "tasks", "session")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    worker_id: str
    connector: str
    tasks: _containers.RepeatedCompositeFieldContainer[TaskConfig]
    session: str
    def __init__(self, group_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., connector: _Optional[str] = ..., tasks: _Optional[_Iterable[_Union[TaskConfig, _Mapping]]] = ..., session: _Optional[str] = ...) -> None: ...

class SubmitTaskConfigsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
