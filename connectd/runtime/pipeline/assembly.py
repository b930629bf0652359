"""Builds a task's record pipeline from its connector config: the transformation chain, the
converters, and the error handling with its reporters (log, dead letter queue)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from connectd.api.converter import Converter
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.pipeline.errant_records import SinkErrantRecordReporter
from connectd.runtime.pipeline.errors import (
    ErrorCounters,
    ErrorHandlingSettings,
    ErrorReporter,
    RecordErrorHandler,
)
from connectd.runtime.pipeline.record_pipeline import SinkRecordPipeline, SourceRecordPipeline
from connectd.runtime.pipeline.reporters import DeadLetterQueueReporter, LogReporter, SourceRecordSerializer
from connectd.runtime.pipeline.transformation_chain import build_chain
from connectd.stream_paths import TopicNames


@dataclass(frozen=True)
class PipelineParts:
    """What the worker supplies for one task."""

    connector: str
    task_number: int
    connector_config: Mapping[str, str]
    registry: PluginRegistry
    key_converter: Converter
    value_converter: Converter
    header_converter: Converter
    producer_config: Mapping[str, str]
    admin_config: Mapping[str, str]
    topic_names: TopicNames

    @property
    def task(self) -> str:
        return f"{self.connector}-{self.task_number}"


def _error_handler(parts: PipelineParts, source: bool) -> RecordErrorHandler:
    settings = ErrorHandlingSettings.of(parts.connector_config)
    counters = ErrorCounters()
    reporters: list[ErrorReporter] = []
    if settings.dlq_topic:
        kafka_topic = parts.topic_names.to_kafka(settings.dlq_topic)
        DeadLetterQueueReporter.create_topic(
            parts.admin_config, settings.dlq_topic, kafka_topic, settings.dlq_replication_factor
        )
        serializer = (
            SourceRecordSerializer(parts.key_converter, parts.value_converter, parts.header_converter)
            if source
            else None
        )
        reporters.append(
            DeadLetterQueueReporter(
                settings,
                counters,
                kafka_topic=kafka_topic,
                producer_config={**parts.producer_config, "client.id": f"connector-dlq-{parts.task}"},
                connector=parts.connector,
                task_number=parts.task_number,
                source_serializer=serializer,
            )
        )
    if settings.log_enable:
        reporters.append(LogReporter(settings, counters))
    return RecordErrorHandler(settings, parts.task, reporters, counters)


def source_pipeline(parts: PipelineParts) -> SourceRecordPipeline:
    chain = build_chain(parts.connector_config, parts.registry)
    return SourceRecordPipeline(
        chain,
        parts.key_converter,
        parts.value_converter,
        parts.header_converter,
        _error_handler(parts, source=True),
        parts.topic_names,
    )


def sink_pipeline(
    parts: PipelineParts, task_class: str
) -> tuple[SinkRecordPipeline, SinkErrantRecordReporter | None]:
    """The pipeline, and the errant record reporter its task gets (None unless the connector
    tolerates errors or has a DLQ, as in Kafka)."""
    chain = build_chain(parts.connector_config, parts.registry)
    errors = _error_handler(parts, source=False)
    pipeline = SinkRecordPipeline(
        chain, parts.key_converter, parts.value_converter, parts.header_converter, errors
    )
    reporter = (
        SinkErrantRecordReporter(
            errors, task_class, parts.key_converter, parts.value_converter, parts.header_converter
        )
        if errors.settings.handles_errors
        else None
    )
    return pipeline, reporter
