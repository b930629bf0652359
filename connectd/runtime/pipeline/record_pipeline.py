"""The per-task record pipelines: what runners call for each batch of records.

:class:`SourceRecordPipeline` turns polled :class:`SourceRecord` objects into what the producer sends
(transforms, then the key, value and header converters); :class:`SinkRecordPipeline` turns consumed
messages into the :class:`SinkRecord` objects handed to ``put`` (converters, then transforms).
A record a transform dropped or the error handling skipped comes out as None.

A batch first takes a lean path: each transformation over the whole batch, each converter once per
run of records of one topic and schema, no per-step bookkeeping. If any step raises, the batch is
processed again record by record, each step under :meth:`RecordErrorHandler.attempt`, which knows
the stage of each step, retries what is retriable and reports the failure (converters and transforms
are pure, so running them again is safe and costs nothing on the happy path).
"""

from __future__ import annotations

from functools import partial
from itertools import repeat
from operator import attrgetter, is_, itemgetter
from typing import Any, NamedTuple

from confluent_kafka import Message

from connectd.api.converter import Converter
from connectd.api.records import Header, SinkRecord, SinkRecordBatch, SourceRecord, SourceRecordBatch
from connectd.api.schema import Schema
from connectd.runtime.pipeline.errors import (
    ConsumedMessage,
    FailedRecord,
    RecordErrorHandler,
    SkipRecord,
    Stage,
)
from connectd.runtime.pipeline.transformation_chain import TransformationChain, TransformationStage
from connectd.stream_paths import TopicNames

KafkaHeaders = list[tuple[str, bytes | None]]
Outgoing = tuple[str, bytes | None, bytes | None, int, int, KafkaHeaders | None, str]
"""What the producer sends for one record: the first six are ``Producer.produce``'s positional
arguments but the callback (Kafka topic, value, key, partition or -1 for the partitioner's choice,
timestamp or 0 for now, headers or None); the last is the topic's name as the user knows it."""


class PlainBatch(NamedTuple):
    """A converted batch of the usual shape: every record kept, one topic, and no partition,
    timestamp or headers, so the producer takes it with the fewest arguments. ``keys`` is None when
    no record has a key."""

    topic: str
    kafka_topic: str
    values: list[bytes | None]
    keys: list[bytes | None] | None

    def outgoing(self) -> list[Outgoing | None]:
        keys = self.keys if self.keys is not None else repeat(None)
        return [
            (self.kafka_topic, v, k, -1, 0, None, self.topic) for v, k in zip(self.values, keys, strict=False)
        ]


_TOPIC, _VALUE, _KEY = attrgetter("topic"), attrgetter("value"), attrgetter("key")
_VALUE_SCHEMA, _PARTITION, _TIMESTAMP = (
    attrgetter("value_schema"),
    attrgetter("partition"),
    attrgetter("timestamp"),
)
_HEADERS = attrgetter("headers")
_SECOND = itemgetter(1)


def outgoing(batch: PlainBatch | list[Outgoing | None]) -> list[Outgoing | None]:
    """A :meth:`SourceRecordPipeline.process_batch` result, record by record."""
    return batch.outgoing() if isinstance(batch, PlainBatch) else batch


def nulls(items: list[Any]) -> int:
    """How many items are None, by identity and in C (``list.count`` would call each item's __eq__)."""
    return sum(map(is_, repeat(None), items))


def one_object(items: list[Any]) -> bool:
    """Whether every item of a non-empty list is the first one (the same object, or an equal one:
    a schema or a source partition equal to the first stands for it). Identity is checked first, in
    C, so a batch of one shared object costs next to nothing."""
    return items.count(items[0]) == len(items)


class SourceRecordPipeline:
    def __init__(
        self,
        chain: TransformationChain,
        key_converter: Converter,
        value_converter: Converter,
        header_converter: Converter,
        errors: RecordErrorHandler,
        topic_names: TopicNames | None = None,
    ) -> None:
        self.chain = chain
        self.errors = errors
        self._key, self._value, self._headers = key_converter, value_converter, header_converter
        self._names = topic_names or TopicNames()
        self._kafka_topics: dict[str, str] = {}

    def kafka_topic(self, topic: str) -> str:
        kafka_topic = self._kafka_topics.get(topic)
        if kafka_topic is None:
            kafka_topic = self._kafka_topics[topic] = self._names.to_kafka(topic)
        return kafka_topic

    def process_batch(self, polled: list[SourceRecord]) -> PlainBatch | list[Outgoing | None]:
        """What to produce for the polled records: a :class:`PlainBatch`, or for each record in order
        what to produce or None where a transform dropped it or its failure was tolerated."""
        try:
            records = self.chain.apply_batch(polled) if self.chain.stages else polled
            # filter(None): records are always true, so this drops exactly the Nones, in C (``None in``
            # would call the dataclass's __eq__ for every record).
            kept: list[SourceRecord] = list(filter(None, records))
            if len(kept) == len(records):
                return self._convert_batch(kept)
            converted = iter(outgoing(self._convert_batch(kept)) if kept else ())
            return [None if r is None else next(converted) for r in records]
        except Exception:
            if len(polled) == 1:
                return [self._process_carefully(polled[0])]
            return [self.process(record) for record in polled]  # only the failing records go slowly

    def process_columns(self, polled: SourceRecordBatch) -> PlainBatch | None:
        """A polled batch converted as one column, or None when it must go record by record (the
        task has transforms, or the converter refused a value: the records path reports it)."""
        if self.chain.stages:
            return None
        topic = polled.topic
        try:
            values = self._value.from_connect_batch(topic, polled.value_schema, polled.values)
        except Exception:
            return None
        return PlainBatch(topic, self.kafka_topic(topic), values, None)

    def process_each(self, polled: list[SourceRecord]) -> list[Outgoing | None]:
        """:meth:`process_batch`, always record by record."""
        return outgoing(self.process_batch(polled))

    def process(self, polled: SourceRecord) -> Outgoing | None:
        """What to produce for one record (see :meth:`process_batch`)."""
        return self.process_each([polled])[0]

    def _convert_batch(self, records: list[SourceRecord]) -> PlainBatch | list[Outgoing | None]:
        # Column by column, each in C where it can be (attrgetter, map): a batch from one stream has
        # one topic and one value schema, and usually no key, partition, timestamp or headers.
        n = len(records)
        topics: list[str] = list(map(_TOPIC, records))
        schemas = list(map(_VALUE_SCHEMA, records))
        values = list(map(_VALUE, records))
        if one_object(topics) and one_object(schemas):
            values = self._value.from_connect_batch(topics[0], schemas[0], values)
        else:
            convert = self._value.from_connect
            values = [convert(t, s, v) for t, s, v in zip(topics, schemas, values, strict=True)]
        keys = list(map(_KEY, records))
        keyed = nulls(keys) != n
        if keyed:
            convert = self._key.from_connect
            keys = [
                None if k is None else convert(r.topic, r.key_schema, k)
                for r, k in zip(records, keys, strict=True)
            ]
        partitions = list(map(_PARTITION, records))
        timestamps = list(map(_TIMESTAMP, records))
        headers = list(map(_HEADERS, records))
        plain = partitions.count(None) == n and timestamps.count(None) == n and not any(headers)
        if plain and one_object(topics):
            topic = topics[0]
            return PlainBatch(topic, self.kafka_topic(topic), values, keys if keyed else None)
        kafka = self.kafka_topic
        return [
            (
                kafka(t),
                v,
                k,
                -1 if p is None else p,
                ts or 0,
                self._header_bytes(t, h) if h else None,
                t,
            )
            for t, v, k, p, ts, h in zip(topics, values, keys, partitions, timestamps, headers, strict=True)
        ]

    def _process_carefully(self, polled: SourceRecord) -> Outgoing | None:
        attempt = self.errors.attempt

        def failure() -> FailedRecord:
            return FailedRecord(
                Stage.TRANSFORMATION, "", Exception(), self.errors.task, polled.topic, None, polled
            )

        try:
            record: SourceRecord | None = polled
            if self.chain:

                def run(stage: TransformationStage, operation: Any, argument: Any) -> Any:
                    return attempt(
                        Stage.TRANSFORMATION, stage.transformation, operation, argument, failure=failure
                    )

                record = self.chain.apply(polled, run)
                if record is None:
                    return None
            assert record is not None
            topic = record.topic
            key = (
                None
                if record.key is None
                else attempt(
                    Stage.KEY_CONVERTER,
                    self._key,
                    self._key.from_connect,
                    topic,
                    record.key_schema,
                    record.key,
                    failure=failure,
                )
            )
            value = attempt(
                Stage.VALUE_CONVERTER,
                self._value,
                self._value.from_connect,
                topic,
                record.value_schema,
                record.value,
                failure=failure,
            )
            headers = None
            if record.headers:
                headers = attempt(
                    Stage.HEADER_CONVERTER,
                    self._headers,
                    self._header_bytes,
                    topic,
                    record.headers,
                    failure=failure,
                )
        except SkipRecord:
            return None
        partition = -1 if record.partition is None else record.partition
        return (self.kafka_topic(topic), value, key, partition, record.timestamp or 0, headers, topic)

    def _header_bytes(self, topic: str, headers: list[Header]) -> list[tuple[str, bytes | None]]:
        convert = self._headers.from_connect
        return [(h.key, convert(topic, h.schema, h.value)) for h in headers]

    def close(self) -> None:
        self.chain.close()
        self.errors.close()


class _ConvertedColumns(NamedTuple):
    """What the converters made of a batch of consumed messages, column by column; ``headers`` is None
    when no message has any (each record then gets its own empty list)."""

    values: list[Any]
    value_schemas: list[Schema | None]
    keys: list[Any]
    key_schemas: list[Schema | None] | repeat[None]
    headers: list[list[Header]] | None


def _timestamps(messages: list[Message]) -> list[int | None]:
    """Each message's timestamp, None where it has none (Kafka's -1)."""
    timestamps: list[int | None] = list(map(_SECOND, map(Message.timestamp, messages)))
    if min(timestamps) <= 0:  # type: ignore[type-var]
        timestamps = [ts if ts > 0 else None for ts in timestamps]  # type: ignore[operator]
    return timestamps


def _records(
    messages: list[Message],
    topics: list[str],
    partitions: list[int],
    offsets: list[int],
    converted: _ConvertedColumns,
) -> list[SinkRecord]:
    """The :class:`SinkRecord` of each consumed message, from its converted columns."""
    columns = [
        topics,
        partitions,
        offsets,
        converted.values,
        converted.keys,
        converted.key_schemas,
        converted.value_schemas,
        _timestamps(messages),
    ]
    if converted.headers is not None:
        columns.append(converted.headers)
    return list(map(SinkRecord, *columns))


class SinkRecordPipeline:
    def __init__(
        self,
        chain: TransformationChain,
        key_converter: Converter,
        value_converter: Converter,
        header_converter: Converter,
        errors: RecordErrorHandler,
    ) -> None:
        self.chain = chain
        self.errors = errors
        self._key, self._value, self._headers = key_converter, value_converter, header_converter

    def process_batch(
        self,
        messages: list[Message],
        topics: list[str],
        partitions: list[int] | None = None,
        offsets: list[int] | None = None,
    ) -> list[SinkRecord | None]:
        """The record for ``put`` of each consumed message (``topics``: the user's name of each one's
        topic; ``partitions`` and ``offsets``: the messages', when the caller has them already), in
        order; None where a transform dropped it or its failure was tolerated."""
        try:
            records = self._convert_batch(messages, topics, partitions, offsets)
            # Fresh from the converters: the records are the runtime's own, to transform in place.
            return self.chain.apply_batch(records, owned=True) if self.chain.stages else records  # type: ignore[return-value]
        except Exception:
            if len(messages) == 1:
                return [self._process_carefully(messages[0], topics[0])]
            return [
                self.process(m, t) for m, t in zip(messages, topics, strict=True)
            ]  # only the failing go slowly

    def process_columns(
        self, messages: list[Message], topics: list[str], partitions: list[int], offsets: list[int]
    ) -> SinkRecordBatch | None:
        """The consumed messages as one :class:`SinkRecordBatch` (arguments as for
        :meth:`process_batch`), or None when they must go record by record: the task has transforms,
        or a converter refused a message (the records path reports it under the error tolerance).
        Keys and headers are converted here too, when there are any, so that a failure of theirs
        falls back as well; the records themselves are built only if the task asks for them."""
        if self.chain.stages:
            return None
        try:
            converted = self._convert_columns(messages, topics)
        except Exception:
            return None
        return SinkRecordBatch(
            topics,
            partitions,
            offsets,
            converted.values,
            converted.value_schemas,
            partial(_records, messages, topics, partitions, offsets, converted),
        )

    def _convert_batch(
        self,
        messages: list[Message],
        topics: list[str],
        partitions: list[int] | None,
        offsets: list[int] | None,
    ) -> list[SinkRecord]:
        return _records(
            messages,
            topics,
            partitions if partitions is not None else list(map(Message.partition, messages)),
            offsets if offsets is not None else list(map(Message.offset, messages)),
            self._convert_columns(messages, topics),
        )

    def _convert_columns(self, messages: list[Message], topics: list[str]) -> _ConvertedColumns:
        # Column by column, each in C where it can be (the Message methods mapped over the batch).
        n = len(messages)
        one_topic = one_object(topics)
        raw = list(map(Message.value, messages))
        if one_topic:
            value_schemas, values = self._value.to_connect_batch(topics[0], raw)
        else:
            both = list(map(self._value.to_connect, topics, raw))
            value_schemas, values = [c.schema for c in both], [c.value for c in both]
        raw = list(map(Message.key, messages))
        keys: list[Any] = raw
        key_schemas: list[Any] | repeat[None] = repeat(None)
        missing = raw.count(None)  # bytes or None: safe to compare
        if missing == 0 and one_topic:
            key_schemas, keys = self._key.to_connect_batch(topics[0], raw)
        elif missing != n:
            both = [
                None if k is None else self._key.to_connect(t, k) for t, k in zip(topics, raw, strict=True)
            ]
            key_schemas = [None if c is None else c.schema for c in both]
            keys = [None if c is None else c.value for c in both]
        raw_headers = list(map(Message.headers, messages))
        headers = None
        if raw_headers.count(None) != n:
            headers = [
                self._header_values(t, h) if h else [] for t, h in zip(topics, raw_headers, strict=True)
            ]
        return _ConvertedColumns(values, value_schemas, keys, key_schemas, headers)

    def process(self, message: ConsumedMessage, topic: str) -> SinkRecord | None:
        """The record for ``put`` (``topic``: the user's name of the message's topic), or None when a
        transform dropped it or its failure was tolerated."""
        try:
            raw_key = message.key()
            key = None if raw_key is None else self._key.to_connect(topic, raw_key)
            value = self._value.to_connect(topic, message.value())
            raw_headers = message.headers()
            _, timestamp = message.timestamp()
            record: SinkRecord | None = SinkRecord(
                topic,
                message.partition() or 0,
                message.offset() or 0,
                value.value,
                None if key is None else key.value,
                None if key is None else key.schema,
                value.schema,
                timestamp if timestamp > 0 else None,
                self._header_values(topic, raw_headers) if raw_headers else [],
            )
            for stage in self.chain.stages:
                if stage.predicate is None or stage.predicate.test(record) != stage.negate:
                    record = stage.transformation.apply(record)
                    if record is None:
                        return None
        except Exception:
            return self._process_carefully(message, topic)
        return record

    def _process_carefully(self, message: ConsumedMessage, topic: str) -> SinkRecord | None:
        attempt = self.errors.attempt

        def failure() -> FailedRecord:
            return FailedRecord(Stage.KEY_CONVERTER, "", Exception(), self.errors.task, topic, message)

        try:
            raw_key = message.key()
            key = (
                None
                if raw_key is None
                else attempt(
                    Stage.KEY_CONVERTER, self._key, self._key.to_connect, topic, raw_key, failure=failure
                )
            )
            value = attempt(
                Stage.VALUE_CONVERTER,
                self._value,
                self._value.to_connect,
                topic,
                message.value(),
                failure=failure,
            )
            raw_headers = message.headers()
            headers = (
                attempt(
                    Stage.HEADER_CONVERTER,
                    self._headers,
                    self._header_values,
                    topic,
                    raw_headers,
                    failure=failure,
                )
                if raw_headers
                else []
            )
            _, timestamp = message.timestamp()
            record: SinkRecord | None = SinkRecord(
                topic,
                message.partition() or 0,
                message.offset() or 0,
                value.value,
                key=key.value if key is not None else None,
                key_schema=key.schema if key is not None else None,
                value_schema=value.schema,
                timestamp=timestamp if timestamp > 0 else None,
                headers=headers,
            )
            if self.chain:

                def run(stage: TransformationStage, operation: Any, argument: Any) -> Any:
                    return attempt(
                        Stage.TRANSFORMATION, stage.transformation, operation, argument, failure=failure
                    )

                record = self.chain.apply(record, run)
        except SkipRecord:
            return None
        return record

    def _header_values(self, topic: str, headers: list[tuple[str, bytes | None]]) -> list[Header]:
        convert = self._headers.to_connect
        result = []
        for key, raw in headers:
            converted = convert(topic, raw)
            result.append(Header(key, converted.value, converted.schema))
        return result

    def close(self) -> None:
        self.chain.close()
        self.errors.close()
