"""Records exchanged between tasks and the runtime."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple

from connectd.api.schema import Schema


class Header(NamedTuple):
    key: str
    value: Any
    schema: Schema | None = None


@dataclass(slots=True)
class SourceRecord:
    """A record a source task produced, with the position it came from.

    ``source_partition`` names the stream it was read from (for a file: ``{"filename": ...}``) and
    ``source_offset`` the position after it (``{"position": 1234}``). Both must be JSON-serialisable
    maps of primitives: the runtime stores them, and hands the latest committed offset back through
    :meth:`connectd.api.OffsetReader.offset` after a restart.
    """

    topic: str
    value: Any
    key: Any = None
    source_partition: Mapping[str, Any] | None = None
    source_offset: Mapping[str, Any] | None = None
    partition: int | None = None
    key_schema: Schema | None = None
    value_schema: Schema | None = None
    timestamp: int | None = None
    headers: list[Header] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SourceRecordBatch:
    """Records of one topic and one source stream as columns, which ``SourceTask.poll`` may return
    instead of a list of :class:`SourceRecord`: the runtime then converts and sends the values without
    building an object per record (a file's lines, a table's rows). The records have no key, headers,
    partition or timestamp of their own; ``source_offset`` is the position after the last one, and the
    batch commits as a whole (never part of it).
    """

    topic: str
    values: list[Any]
    value_schema: Schema | None = None
    source_partition: Mapping[str, Any] | None = None
    source_offset: Mapping[str, Any] | None = None

    def __len__(self) -> int:
        return len(self.values)

    def records(self) -> list[SourceRecord]:
        """The batch one record per value, for what needs records (transforms, ``commit_record``):
        the last carries the batch's offset, the others none (the batch is committed as one)."""
        topic, schema, partition = self.topic, self.value_schema, self.source_partition
        records = [SourceRecord(topic, v, None, partition, None, None, None, schema) for v in self.values]
        if records:
            records[-1].source_offset = self.source_offset
        return records


def as_records(polled: list[SourceRecord] | SourceRecordBatch) -> list[SourceRecord]:
    """What ``poll`` returned, as a list of records."""
    return polled.records() if isinstance(polled, SourceRecordBatch) else polled


@dataclass(slots=True)
class SinkRecord:
    """A record consumed from Kafka for a sink task; ``offset`` is its Kafka offset."""

    topic: str
    partition: int
    offset: int
    value: Any
    key: Any = None
    key_schema: Schema | None = None
    value_schema: Schema | None = None
    timestamp: int | None = None
    headers: list[Header] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SinkRecordBatch:
    """The records of one ``put`` as columns, which :meth:`SinkTask.put_batch` receives: the runtime
    builds no object per record unless the task asks for them with :meth:`records`. Column ``i`` of
    each list is record ``i``'s; ``topics`` are the user's names, ``values`` and ``value_schemas``
    what the value converter made of them.
    """

    topics: list[str]
    partitions: list[int]
    offsets: list[int]
    values: list[Any]
    value_schemas: list[Schema | None]
    # Builds the complete records (keys, timestamps, headers): the runtime passes one over the consumed
    # messages so that what only records carry is computed when asked for, never otherwise.
    record_factory: Callable[[], list[SinkRecord]] | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.values)

    def records(self) -> list[SinkRecord]:
        """The batch as the :class:`SinkRecord` objects ``put`` would have received, freshly built."""
        if self.record_factory is not None:
            return self.record_factory()
        columns = self.topics, self.partitions, self.offsets, self.values, repeat(None), repeat(None)
        return list(map(SinkRecord, *columns, self.value_schemas))


class TopicPartition(NamedTuple):
    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class RecordMetadata:
    """Where the broker stored a source record (passed to :meth:`SourceTask.commit_record`)."""

    topic: str
    partition: int
    offset: int
