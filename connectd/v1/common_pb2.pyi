from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConnectorType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONNECTOR_TYPE_UNSPECIFIED: _ClassVar[ConnectorType]
    CONNECTOR_TYPE_SOURCE: _ClassVar[ConnectorType]
    CONNECTOR_TYPE_SINK: _ClassVar[ConnectorType]

class TargetState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TARGET_STATE_UNSPECIFIED: _ClassVar[TargetState]
    TARGET_STATE_STARTED: _ClassVar[TargetState]
    TARGET_STATE_PAUSED: _ClassVar[TargetState]
    TARGET_STATE_STOPPED: _ClassVar[TargetState]

class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATE_UNSPECIFIED: _ClassVar[State]
    STATE_UNASSIGNED: _ClassVar[State]
    STATE_RUNNING: _ClassVar[State]
    STATE_PAUSED: _ClassVar[State]
    STATE_STOPPED: _ClassVar[State]
    STATE_FAILED: _ClassVar[State]
    STATE_RESTARTING: _ClassVar[State]
CONNECTOR_TYPE_UNSPECIFIED: ConnectorType
CONNECTOR_TYPE_SOURCE: ConnectorType
CONNECTOR_TYPE_SINK: ConnectorType
TARGET_STATE_UNSPECIFIED: TargetState
TARGET_STATE_STARTED: TargetState
TARGET_STATE_PAUSED: TargetState
TARGET_STATE_STOPPED: TargetState
STATE_UNSPECIFIED: State
STATE_UNASSIGNED: State
STATE_RUNNING: State
STATE_PAUSED: State
STATE_STOPPED: State
STATE_FAILED: State
STATE_RESTARTING: State

class StorageTopics(_message.Message):
    __slots__ = ("config_topic", "offset_topic", "status_topic")
    CONFIG_TOPIC_FIELD_NUMBER: _ClassVar[int]
    OFFSET_TOPIC_FIELD_NUMBER: _ClassVar[int]
    STATUS_TOPIC_FIELD_NUMBER: _ClassVar[int]
    config_topic: str
    offset_topic: str
    status_topic: str
    def __init__(self, config_topic: _Optional[str] = ..., offset_topic: _Optional[str] = ..., status_topic: _Optional[str] = ...) -> None: ...

class TaskId(_message.Message):
    __slots__ = ("connector", "task")
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    connector: str
    task: int
    def __init__(self, connector: _Optional[str] = ..., task: _Optional[int] = ...) -> None: ...

class StateInfo(_message.Message):
    __slots__ = ("state", "worker_id", "trace", "version")
    STATE_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    state: State
    worker_id: str
    trace: str
    version: str
    def __init__(self, state: _Optional[_Union[State, str]] = ..., worker_id: _Optional[str] = ..., trace: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class TaskStatus(_message.Message):
    __slots__ = ("id", "state")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    id: int
    state: StateInfo
    def __init__(self, id: _Optional[int] = ..., state: _Optional[_Union[StateInfo, _Mapping]] = ...) -> None: ...

class ConnectorStatus(_message.Message):
    __slots__ = ("name", "connector", "tasks", "type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    connector: StateInfo
    tasks: _containers.RepeatedCompositeFieldContainer[TaskStatus]
    type: ConnectorType
    def __init__(self, name: _Optional[str] = ..., connector: _Optional[_Union[StateInfo, _Mapping]] = ..., tasks: _Optional[_Iterable[_Union[TaskStatus, _Mapping]]] = ..., type: _Optional[_Union[ConnectorType, str]] = ...) -> None: ...

class ConnectorInfo(_message.Message):
    __slots__ = ("name", "config", "tasks", "type")
    class ConfigEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    config: _containers.ScalarMap[str, str]
    tasks: _containers.RepeatedCompositeFieldContainer[TaskId]
    type: ConnectorType
    def __init__(self, name: _Optional[str] = ..., config: _Optional[_Mapping[str, str]] = ..., tasks: _Optional[_Iterable[_Union[TaskId, _Mapping]]] = ..., type: _Optional[_Union[ConnectorType, str]] = ...) -> None: ...

class TaskInfo(_message.Message):
    __slots__ = ("id", "config")
    class ConfigEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    id: TaskId
    config: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[_Union[TaskId, _Mapping]] = ..., config: _Optional[_Mapping[str, str]] = ...) -> None: ...

class PluginInfo(_message.Message):
    __slots__ = ("class_name", "type", "version")
    CLASS_NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    class_name: str
    type: str
    version: str
    def __init__(self, class_name: _Optional[str] = ..., type: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class ConfigEntry(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class ConfigInfos(_message.Message):
    __slots__ = ("name", "error_count", "groups", "configs")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    CONFIGS_FIELD_NUMBER: _ClassVar[int]
    name: str
    error_count: int
    groups: _containers.RepeatedScalarFieldContainer[str]
    configs: _containers.RepeatedCompositeFieldContainer[ConfigInfo]
    def __init__(self, name: _Optional[str] = ..., error_count: _Optional[int] = ..., groups: _Optional[_Iterable[str]] = ..., configs: _Optional[_Iterable[_Union[ConfigInfo, _Mapping]]] = ...) -> None: ...

class ConfigInfo(_message.Message):
    __slots__ = ("definition", "value")
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    definition: ConfigKeyInfo
    value: ConfigValueInfo
    def __init__(self, definition: _Optional[_Union[ConfigKeyInfo, _Mapping]] = ..., value: _Optional[_Union[ConfigValueInfo, _Mapping]] = ...) -> None: ...

class ConfigKeyInfo(_message.Message):
    __slots__ = ("name", "type", "required", "default_value", "importance", "documentation", "group", "order", "width", "display_name", "dependents")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTATION_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPENDENTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    required: bool
    default_value: str
    importance: str
    documentation: str
    group: str
    order: int
    width: str
    display_name: str
    dependents: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., required: _Optional[bool] = ..., default_value: _Optional[str] = ..., importance: _Optional[str] = ..., documentation: _Optional[str] = ..., group: _Optional[str] = ..., order: _Optional[int] = ..., width: _Optional[str] = ..., display_name: _Optional[str] = ..., dependents: _Optional[_Iterable[str]] = ...) -> None: ...

class ConfigValueInfo(_message.Message):
    __slots__ = ("name", "value", "recommended_values", "errors", "visible")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDED_VALUES_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    VISIBLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    recommended_values: _containers.RepeatedScalarFieldContainer[str]
    errors: _containers.RepeatedScalarFieldContainer[str]
    visible: bool
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ..., recommended_values: _Optional[_Iterable[str]] = ..., errors: _Optional[_Iterable[str]] = ..., visible: _Optional[bool] = ...) -> None: ...
