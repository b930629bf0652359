"""Who hears of a failed record: the error log (``errors.log.*``) and the dead letter queue
(``errors.deadletterqueue.*``), with Kafka's messages and ``__connect.errors.*`` headers.

Kafka has a DLQ for sinks only; connectd has one for sources too. A sink's DLQ record is the
original consumed record (key, value, headers, timestamp, byte for byte). A source's is the record
as the task polled it, serialized with the connector's converters, or, when a converter is what
failed, as schemaless JSON; its headers always carry ``__connect.errors.source.partition`` and
``.source.offset`` (JSON), so it can be traced back to where it was read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from connectd.api.converter import Converter
from connectd.api.records import SourceRecord
from connectd.runtime.pipeline.errors import ErrorCounters, ErrorHandlingSettings, FailedRecord, stack_trace
from connectd.runtime.topic_creation import TopicCreator, TopicSpec

log = logging.getLogger(__name__)

HEADER_PREFIX = "__connect.errors."
_TIMESTAMP_TYPES = {1: "CreateTime", 2: "LogAppendTime"}


class LogReporter:
    """``errors.log.enable``: one ERROR line per failure, the record's coordinates with
    ``errors.log.include.messages``."""

    def __init__(self, settings: ErrorHandlingSettings, counters: ErrorCounters) -> None:
        self._include = settings.log_include_messages
        self._counters = counters

    def message(self, failure: FailedRecord) -> str:
        text = (
            f"Error encountered in task {failure.task}. Executing stage '{failure.stage.value}' with class "
        )
        text += f"'{failure.executing_class}'"
        if self._include and failure.consumed is not None:
            msg = failure.consumed
            text += f", where consumed record is {{topic='{failure.topic}', partition={msg.partition()}"
            text += f", offset={msg.offset()}"
            kind, timestamp = msg.timestamp()
            if kind in _TIMESTAMP_TYPES:
                text += f", timestamp={timestamp}, timestampType={_TIMESTAMP_TYPES[kind]}"
            text += "}"
        elif self._include and failure.source_record is not None:
            text += f", where source record is = {failure.source_record}"
        return text + "."

    def report(self, failure: FailedRecord) -> None:
        log.error("%s", self.message(failure), exc_info=failure.error)
        self._counters.add(total_errors_logged=1)

    def close(self) -> None:
        pass


class SourceRecordSerializer:
    """Bytes of a source record for its DLQ entry: the connector's converters where they work."""

    def __init__(
        self, key_converter: Converter, value_converter: Converter, header_converter: Converter
    ) -> None:
        self._key, self._value, self._headers = key_converter, value_converter, header_converter

    def serialize(self, record: SourceRecord) -> tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]:
        topic = record.topic
        key = _convert(self._key, topic, record.key_schema, record.key)
        value = _convert(self._value, topic, record.value_schema, record.value)
        headers = [(h.key, _convert(self._headers, topic, h.schema, h.value) or b"") for h in record.headers]
        return key, value, headers


def _convert(converter: Converter, topic: str, schema: Any, value: Any) -> bytes | None:
    if value is None:
        return None
    try:
        return converter.from_connect(topic, schema, value)
    except Exception:
        return json.dumps(value, default=str, separators=(",", ":")).encode()


class DeadLetterQueueReporter:
    """Writes failed records to ``errors.deadletterqueue.topic.name`` with its own producer; the topic
    is created (1 partition, the configured replication factor) when missing, as Kafka does."""

    def __init__(
        self,
        settings: ErrorHandlingSettings,
        counters: ErrorCounters,
        *,
        kafka_topic: str,
        producer_config: Mapping[str, str],
        connector: str,
        task_number: int,
        source_serializer: SourceRecordSerializer | None = None,
    ) -> None:
        self._settings = settings
        self._counters = counters
        self._topic = kafka_topic
        self._connector = connector
        self._task_number = task_number
        self._serializer = source_serializer
        self._producer = Producer({**producer_config, "enable.idempotence": "true", "acks": "all"})

    @staticmethod
    def create_topic(admin_config: Mapping[str, str], topic: str, kafka_topic: str, replication: int) -> None:
        TopicCreator(admin_config, auto_create=TopicSpec(1, replication)).ensure(topic, kafka_topic)

    def report(self, failure: FailedRecord) -> Future[None]:
        self._counters.add(deadletterqueue_produce_requests=1)
        future: Future[None] = Future()
        if failure.consumed is not None:
            msg = failure.consumed
            key, value = msg.key(), msg.value()
            headers = list(msg.headers() or [])
            kind, timestamp = msg.timestamp()
            stamp = timestamp if kind in _TIMESTAMP_TYPES and timestamp >= 0 else None
        elif failure.source_record is not None and self._serializer is not None:
            record = failure.source_record
            key, value, headers = self._serializer.serialize(record)
            headers += [
                (HEADER_PREFIX + "source.partition", _json(record.source_partition)),
                (HEADER_PREFIX + "source.offset", _json(record.source_offset)),
            ]
            stamp = record.timestamp
        else:
            self._counters.add(deadletterqueue_produce_failures=1)
            future.set_result(None)
            return future
        if self._settings.dlq_context_headers:
            headers += self._context_headers(failure)
        kwargs: dict[str, Any] = {"headers": headers} if headers else {}
        if stamp is not None:
            kwargs["timestamp"] = stamp

        def delivered(err: KafkaError | None, _msg: Message) -> None:
            if err is None:
                future.set_result(None)
                return
            log.error("Could not produce message to dead letter queue. topic=%s: %s", self._topic, err)
            self._counters.add(deadletterqueue_produce_failures=1)
            future.set_exception(RuntimeError(f"dead letter queue write to {self._topic} failed: {err}"))

        while True:
            try:
                self._producer.produce(self._topic, value, key, on_delivery=delivered, **kwargs)
                break
            except BufferError:
                self._producer.poll(0.05)
        self._producer.poll(0)
        return future

    def _context_headers(self, failure: FailedRecord) -> list[tuple[str, bytes]]:
        headers: list[tuple[str, bytes]] = []
        if failure.consumed is not None:
            headers += [
                (HEADER_PREFIX + "topic", (failure.topic or "").encode()),
                (HEADER_PREFIX + "partition", str(failure.consumed.partition()).encode()),
                (HEADER_PREFIX + "offset", str(failure.consumed.offset()).encode()),
            ]
        elif failure.source_record is not None:
            headers.append((HEADER_PREFIX + "topic", failure.source_record.topic.encode()))
        error = failure.error
        headers += [
            (HEADER_PREFIX + "connector.name", self._connector.encode()),
            (HEADER_PREFIX + "task.id", str(self._task_number).encode()),
            (HEADER_PREFIX + "stage", failure.stage.value.encode()),
            (HEADER_PREFIX + "class.name", failure.executing_class.encode()),
            (
                HEADER_PREFIX + "exception.class.name",
                f"{type(error).__module__}.{type(error).__qualname__}".encode(),
            ),
            (HEADER_PREFIX + "exception.message", str(error).encode()),
            (HEADER_PREFIX + "exception.stacktrace", stack_trace(error).encode()),
        ]
        return headers

    def flush(self, timeout_s: float) -> int:
        """Deliver what is in flight; the number of records still undelivered."""
        return int(self._producer.flush(timeout_s))

    def poll(self) -> None:
        self._producer.poll(0)

    def close(self) -> None:
        remaining = self.flush(10)
        if remaining:
            log.error("%d records for dead letter queue %s undelivered at close", remaining, self._topic)


def _json(value: Mapping[str, Any] | None) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
