"""TimestampRouter: route a record to a topic named after its topic and timestamp.

``topic.format`` (default ``${topic}-${timestamp}``) is filled with the record's topic and its
timestamp formatted in UTC by ``timestamp.format``, a Java ``SimpleDateFormat`` pattern (default
``yyyyMMdd``). Mainly for sink connectors, whose destination (a table, an index) is often named
after the topic: ``orders`` at 2017-01-03 goes to ``orders-20170103``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.errors import DataError
from connectd.api.records import SinkRecord, SourceRecord
from connectd.api.schema import Schema
from connectd.api.transforms import R, new_record
from connectd.transforms.builtin import BuiltinTransformation
from connectd.transforms.java_date_format import compile_date_format

TOPIC_FORMAT_CONFIG = "topic.format"
TIMESTAMP_FORMAT_CONFIG = "timestamp.format"


def _java(value: Any) -> str:
    """``String.valueOf`` as Java would print the value: null, true, {k=v}, [a, b]."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Schema):
        return f"Schema{{{value.name + ':' if value.name else ''}{value.type.name}}}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_java(k)}={_java(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_java(v) for v in value) + "]"
    return str(value)


def _record_str(record: SourceRecord | SinkRecord) -> str:
    """The record as Kafka's ``toString`` prints it in the missing-timestamp message."""
    headers = ", ".join(
        f"ConnectHeader(key={h.key}, value={_java(h.value)}, schema={_java(h.schema)})"
        for h in record.headers
    )
    common = (
        f"ConnectRecord{{topic='{record.topic}', kafkaPartition={_java(record.partition)}, "
        f"key={_java(record.key)}, keySchema={_java(record.key_schema)}, value={_java(record.value)}, "
        f"valueSchema={_java(record.value_schema)}, timestamp={_java(record.timestamp)}, "
        f"headers=ConnectHeaders(headers={f'[{headers}]' if headers else ''})}}"
    )
    if isinstance(record, SinkRecord):
        return (
            f"SinkRecord{{kafkaOffset={record.offset}, timestampType=NoTimestampType, "
            f"originalTopic={record.topic}, originalKafkaPartition={record.partition}, "
            f"originalKafkaOffset={record.offset}}} {common}"
        )
    return (
        f"SourceRecord{{sourcePartition={_java(record.source_partition)}, "
        f"sourceOffset={_java(record.source_offset)}}} {common}"
    )


class TimestampRouter(BuiltinTransformation):
    """Update the record's topic field as a function of the original topic value and the record
    timestamp."""

    aliases = ("org.apache.kafka.connect.transforms.TimestampRouter",)

    @classmethod
    def config_def(cls) -> ConfigDef:
        return (
            ConfigDef()
            .define(
                TOPIC_FORMAT_CONFIG,
                ConfigType.STRING,
                "${topic}-${timestamp}",
                importance=Importance.HIGH,
                documentation="Format string which can contain <code>${topic}</code> and "
                "<code>${timestamp}</code> as placeholders for the topic and timestamp, respectively.",
            )
            .define(
                TIMESTAMP_FORMAT_CONFIG,
                ConfigType.STRING,
                "yyyyMMdd",
                importance=Importance.HIGH,
                documentation="Format string for the timestamp that is compatible with "
                "<code>java.text.SimpleDateFormat</code>.",
            )
        )

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        self._topic_format: str = parsed[TOPIC_FORMAT_CONFIG]
        # Kafka compiles the pattern at the first record; a bad one fails the config here instead.
        self._timestamp_format = compile_date_format(parsed[TIMESTAMP_FORMAT_CONFIG], TIMESTAMP_FORMAT_CONFIG)

    def apply(self, record: R) -> R:
        if record.timestamp is None:
            raise DataError(f"Timestamp missing on record: {_record_str(record)}")
        formatted = self._timestamp_format.format_millis(record.timestamp)
        # As Kafka: ${topic} first, then ${timestamp} in the result (a topic holding the text
        # "${timestamp}" gets it replaced too).
        topic = self._topic_format.replace("${topic}", record.topic).replace("${timestamp}", formatted)
        return new_record(record, topic=topic)
