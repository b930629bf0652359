from connectd.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OffsetTopic(_message.Message):
    __slots__ = ("group_id", "name", "partitions", "replication_factor")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    REPLICATION_FACTOR_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    partitions: int
    replication_factor: int
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ..., partitions: _Optional[int] = ..., replication_factor: _Optional[int] = ...) -> None: ...

class OffsetEntry(_message.Message):
    __slots__ = ("partition_json", "offset_json")
    PARTITION_JSON_FIELD_NUMBER: _ClassVar[int]
    OFFSET_JSON_FIELD_NUMBER: _ClassVar[int]
    partition_json: str
    offset_json: str
    def __init__(self, partition_json: _Optional[str] = ..., offset_json: _Optional[str] = ...) -> None: ...

class GetOffsetsRequest(_message.Message):
    __slots__ = ("topic", "connector", "partition_jsons")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    PARTITION_JSONS_FIELD_NUMBER: _ClassVar[int]
    topic: OffsetTopic
    connector: str
    partition_jsons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, topic: _Optional[_Union[OffsetTopic, _Mapping]] = ..., connector: _Optional[str] = ..., partition_jsons: _Optional[_Iterable[str]] = ...) -> None: ...

class GetOffsetsResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[OffsetEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[OffsetEntry, _Mapping]]] = ...) -> None: ...

class TaskClaim(_message.Message):
    __slots__ = ("task", "epoch", "worker_id")
    TASK_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    task: _common_pb2.TaskId
    epoch: int
    worker_id: str
    def __init__(self, task: _Optional[_Union[_common_pb2.TaskId, _Mapping]] = ..., epoch: _Optional[int] = ..., worker_id: _Optional[str] = ...) -> None: ...

class CommitOffsetsRequest(_message.Message):
    __slots__ = ("topic", "connector", "entries", "claim")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    topic: OffsetTopic
    connector: str
    entries: _containers.RepeatedCompositeFieldContainer[OffsetEntry]
    claim: TaskClaim
    def __init__(self, topic: _Optional[_Union[OffsetTopic, _Mapping]] = ..., connector: _Optional[str] = ..., entries: _Optional[_Iterable[_Union[OffsetEntry, _Mapping]]] = ..., claim: _Optional[_Union[TaskClaim, _Mapping]] = ...) -> None: ...

class CommitOffsetsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ClaimTaskRequest(_message.Message):
    __slots__ = ("topic", "claim")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    topic: OffsetTopic
    claim: TaskClaim
    def __init__(self, topic: _Optional[_Union[OffsetTopic, _Mapping]] = ..., claim: _Optional[_Union[TaskClaim, _Mapping]] = ...) -> None: ...

class ClaimTaskResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListOffsetsRequest(_message.Message):
    __slots__ = ("topic", "connector")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    topic: OffsetTopic
    connector: str
    def __init__(self, topic: _Optional[_Union[OffsetTopic, _Mapping]] = ..., connector: _Optional[str] = ...) -> None: ...

class ListOffsetsResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[OffsetEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[OffsetEntry, _Mapping]]] = ...) -> None: ...

class AlterOffsetsRequest(_message.Message):
    __slots__ = ("topic", "connector", "entries")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    topic: OffsetTopic
    connector: str
    entries: _containers.RepeatedCompositeFieldContainer[OffsetEntry]
    def __init__(self, topic: _Optional[_Union[OffsetTopic, _Mapping]] = ..., connector: _Optional[str] = ..., entries: _Optional[_Iterable[_Union[OffsetEntry, _Mapping]]] = ...) -> None: ...

class AlterOffsetsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResetOffsetsRequest(_message.Message):
    __slots__ = ("topic", "connector")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    topic: OffsetTopic
    connector: str
    def __init__(self, topic: _Optional[_Union[OffsetTopic, _Mapping]] = ..., connector: _Optional[str] = ...) -> None: ...

class ResetOffsetsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
