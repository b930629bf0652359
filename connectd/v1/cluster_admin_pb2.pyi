from connectd.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DescribeGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class AssignedTaskEpoch(_message.Message):
    __slots__ = ("id", "epoch")
    ID_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.TaskId
    epoch: int
    def __init__(self, id: _Optional[_Union[_common_pb2.TaskId, _Mapping]] = ..., epoch: _Optional[int] = ...) -> None: ...

class GroupMember(_message.Message):
    __slots__ = ("worker_id", "address", "generation", "applied_generation", "connectors", "tasks", "live", "task_epochs")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    APPLIED_GENERATION_FIELD_NUMBER: _ClassVar[int]
    CONNECTORS_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    TASK_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    address: str
    generation: int
    applied_generation: int
    connectors: _containers.RepeatedScalarFieldContainer[str]
    tasks: _containers.RepeatedCompositeFieldContainer[_common_pb2.TaskId]
    live: bool
    task_epochs: _containers.RepeatedCompositeFieldContainer[AssignedTaskEpoch]
    def __init__(self, worker_id: _Optional[str] = ..., address: _Optional[str] = ..., generation: _Optional[int] = ..., applied_generation: _Optional[int] = ..., connectors: _Optional[_Iterable[str]] = ..., tasks: _Optional[_Iterable[_Union[_common_pb2.TaskId, _Mapping]]] = ..., live: _Optional[bool] = ..., task_epochs: _Optional[_Iterable[_Union[AssignedTaskEpoch, _Mapping]]] = ...) -> None: ...

class DescribeGroupResponse(_message.Message):
    __slots__ = ("members", "storage")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    STORAGE_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[GroupMember]
    storage: _common_pb2.StorageTopics
    def __init__(self, members: _Optional[_Iterable[_Union[GroupMember, _Mapping]]] = ..., storage: _Optional[_Union[_common_pb2.StorageTopics, _Mapping]] = ...) -> None: ...

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
