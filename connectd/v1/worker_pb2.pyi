from connectd.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ValidateConfigRequest(_message.Message):
    __slots__ = ("plugin", "config")
    PLUGIN_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    plugin: str
    config: _containers.RepeatedCompositeFieldContainer[_common_pb2.ConfigEntry]
    def __init__(self, plugin: _Optional[str] = ..., config: _Optional[_Iterable[_Union[_common_pb2.ConfigEntry, _Mapping]]] = ...) -> None: ...

class ValidateConfigResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _common_pb2.ConfigInfos
    def __init__(self, result: _Optional[_Union[_common_pb2.ConfigInfos, _Mapping]] = ...) -> None: ...

class RestartTaskRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.TaskId
    def __init__(self, id: _Optional[_Union[_common_pb2.TaskId, _Mapping]] = ...) -> None: ...

class RestartTaskResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RestartConnectorRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RestartConnectorResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DescribeTasksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TaskDetails(_message.Message):
    __slots__ = ("id", "state", "start_count", "records", "trace", "epoch", "fenced")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    START_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    TRACE_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    FENCED_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.TaskId
    state: _common_pb2.State
    start_count: int
    records: int
    trace: str
    epoch: int
    fenced: bool
    def __init__(self, id: _Optional[_Union[_common_pb2.TaskId, _Mapping]] = ..., state: _Optional[_Union[_common_pb2.State, str]] = ..., start_count: _Optional[int] = ..., records: _Optional[int] = ..., trace: _Optional[str] = ..., epoch: _Optional[int] = ..., fenced: _Optional[bool] = ...) -> None: ...

class ConnectorDetails(_message.Message):
    __slots__ = ("name", "state", "start_count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    START_COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: _common_pb2.State
    start_count: int
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.State, str]] = ..., start_count: _Optional[int] = ...) -> None: ...

class DescribeTasksResponse(_message.Message):
    __slots__ = ("worker_id", "applied_generation", "connectors", "tasks", "lease_lapsed")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    APPLIED_GENERATION_FIELD_NUMBER: _ClassVar[int]
    CONNECTORS_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    LEASE_LAPSED_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    applied_generation: int
    connectors: _containers.RepeatedCompositeFieldContainer[ConnectorDetails]
    tasks: _containers.RepeatedCompositeFieldContainer[TaskDetails]
    lease_lapsed: bool
    def __init__(self, worker_id: _Optional[str] = ..., applied_generation: _Optional[int] = ..., connectors: _Optional[_Iterable[_Union[ConnectorDetails, _Mapping]]] = ..., tasks: _Optional[_Iterable[_Union[TaskDetails, _Mapping]]] = ..., lease_lapsed: _Optional[bool] = ...) -> None: ...

class GetPluginConfigRequest(_message.Message):
    __slots__ = ("plugin", "version")
    PLUGIN_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    plugin: str
    version: str
    def __init__(self, plugin: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class GetPluginConfigResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[_common_pb2.ConfigKeyInfo]
    def __init__(self, keys: _Optional[_Iterable[_Union[_common_pb2.ConfigKeyInfo, _Mapping]]] = ...) -> None: ...

class SetLoggerLevelRequest(_message.Message):
    __slots__ = ("logger", "level")
    LOGGER_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    logger: str
    level: str
    def __init__(self, logger: _Optional[str] = ..., level: _Optional[str] = ...) -> None: ...

class SetLoggerLevelResponse(_message.Message):
    __slots__ = ("changed_loggers",)
    CHANGED_LOGGERS_FIELD_NUMBER: _ClassVar[int]
    changed_loggers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, changed_loggers: _Optional[_Iterable[str]] = ...) -> None: ...

class ListLoggerLevelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LoggerLevel(_message.Message):
    __slots__ = ("logger", "level", "last_modified_ms")
    LOGGER_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_MS_FIELD_NUMBER: _ClassVar[int]
    logger: str
    level: str
    last_modified_ms: int
    def __init__(self, logger: _Optional[str] = ..., level: _Optional[str] = ..., last_modified_ms: _Optional[int] = ...) -> None: ...

class ListLoggerLevelsResponse(_message.Message):
    __slots__ = ("loggers",)
    LOGGERS_FIELD_NUMBER: _ClassVar[int]
    loggers: _containers.RepeatedCompositeFieldContainer[LoggerLevel]
    def __init__(self, loggers: _Optional[_Iterable[_Union[LoggerLevel, _Mapping]]] = ...) -> None: ...
