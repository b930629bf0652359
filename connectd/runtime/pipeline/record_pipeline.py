"""The per-task record pipelines: what runners call for each record.

:class:`SourceRecordPipeline` turns a polled :class:`SourceRecord` into what the producer sends
(transforms, then the key, value and header converters); :class:`SinkRecordPipeline` turns a
consumed message into the :class:`SinkRecord` handed to ``put`` (converters, then transforms).
Either returns None for a record a transform dropped or the error handling skipped.

Each record first takes a lean path with no per-step bookkeeping; if any step raises, the record is
processed again step by step under :meth:`RecordErrorHandler.attempt`, which knows the stage of each
step, retries what is retriable and reports the failure (converters and transforms are pure, so
running them again is safe and costs nothing on the happy path).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from connectd.api.converter import Converter
from connectd.api.records import Header, SinkRecord, SourceRecord
from connectd.runtime.pipeline.errors import (
    ConsumedMessage,
    FailedRecord,
    RecordErrorHandler,
    SkipRecord,
    Stage,
)
from connectd.runtime.pipeline.transformation_chain import TransformationChain, TransformationStage
from connectd.stream_paths import TopicNames


class ProducerRecord(NamedTuple):
    """What the producer sends: the Kafka topic, value and key bytes, and the optional partition,
    timestamp and headers as ``produce`` keyword arguments. ``topic`` is the user's name."""

    topic: str
    kafka_topic: str
    value: bytes | None
    key: bytes | None
    kwargs: dict[str, Any]


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

    def process(self, polled: SourceRecord) -> ProducerRecord | None:
        """The record to produce, or None when a transform dropped it or its failure was tolerated."""
        try:
            record: SourceRecord | None = polled
            for stage in self.chain.stages:
                if stage.predicate is None or stage.predicate.test(record) != stage.negate:
                    record = stage.transformation.apply(record)
                    if record is None:
                        return None
            assert record is not None
            topic = record.topic
            key = None if record.key is None else self._key.from_connect(topic, record.key_schema, record.key)
            value = self._value.from_connect(topic, record.value_schema, record.value)
            kwargs: dict[str, Any] = {}
            if record.partition is not None:
                kwargs["partition"] = record.partition
            if record.timestamp is not None:
                kwargs["timestamp"] = record.timestamp
            if record.headers:
                kwargs["headers"] = self._header_bytes(topic, record.headers)
        except Exception:
            return self._process_carefully(polled)
        return ProducerRecord(topic, self.kafka_topic(topic), value, key, kwargs)

    def _process_carefully(self, polled: SourceRecord) -> ProducerRecord | None:
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
            kwargs: dict[str, Any] = {}
            if record.partition is not None:
                kwargs["partition"] = record.partition
            if record.timestamp is not None:
                kwargs["timestamp"] = record.timestamp
            if record.headers:
                kwargs["headers"] = attempt(
                    Stage.HEADER_CONVERTER,
                    self._headers,
                    self._header_bytes,
                    topic,
                    record.headers,
                    failure=failure,
                )
        except SkipRecord:
            return None
        return ProducerRecord(topic, self.kafka_topic(topic), value, key, kwargs)

    def _header_bytes(self, topic: str, headers: list[Header]) -> list[tuple[str, bytes | None]]:
        convert = self._headers.from_connect
        return [(h.key, convert(topic, h.schema, h.value)) for h in headers]

    def close(self) -> None:
        self.chain.close()
        self.errors.close()


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
