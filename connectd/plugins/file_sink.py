"""FileStreamSink: writes each record's value as a line to a file (or stdout)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from operator import attrgetter

from connectd.api import (
    ConfigDef,
    ConfigType,
    Importance,
    Schema,
    SchemaType,
    SinkConnector,
    SinkRecord,
    SinkRecordBatch,
    SinkTask,
    TopicPartition,
)
from connectd.connector_version import BUILTIN_VERSION

FILE = "file"
_VALUE, _VALUE_SCHEMA = attrgetter("value"), attrgetter("value_schema")


def _config_def() -> ConfigDef:
    return ConfigDef().define(
        FILE,
        ConfigType.STRING,
        None,
        importance=Importance.HIGH,
        documentation="Destination filename. If not specified, the standard output will be used",
    )


def _render(value: object, schema: Schema | None = None) -> str:
    """A value as Kafka's FileStreamSink writes it (Java's ``toString``): ``{a=1, b=true}`` for a map,
    ``Struct{a=1,b=true}`` for a struct, ``[1, 2]`` for a list, ``null``, ``true``."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if schema is not None and schema.type is SchemaType.STRUCT:
            fields = {f.name: f.schema for f in schema.fields}
            shown = ",".join(f"{k}={_render(v, fields.get(k))}" for k, v in value.items() if v is not None)
            return f"Struct{{{shown}}}"
        inner = schema.value_schema if schema is not None else None
        return "{" + ", ".join(f"{_render(k)}={_render(v, inner)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        inner = schema.value_schema if schema is not None else None
        return "[" + ", ".join(_render(v, inner) for v in value) + "]"
    return str(value)


class FileStreamSinkTask(SinkTask):
    def version(self) -> str:
        return BUILTIN_VERSION

    def start(self, config: Mapping[str, str]) -> None:
        filename = _config_def().parse(config)[FILE]
        # O_APPEND and one write() per batch: the tasks of one connector share the file (as in
        # Kafka), and each batch lands whole after the others' instead of tearing their lines.
        self._fd = (
            os.open(filename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            if filename
            else sys.stdout.fileno()
        )
        self._owns_fd = bool(filename)
        if not filename:
            sys.stdout.flush()

    def put(self, records: list[SinkRecord]) -> None:
        self._write(list(map(_VALUE, records)), map(_VALUE_SCHEMA, records))

    def put_batch(self, batch: SinkRecordBatch) -> None:
        # The values are all a line needs: no record object per message.
        self._write(batch.values, batch.value_schemas)

    def _write(self, values: list[object], schemas: Iterable[Schema | None]) -> None:
        """One line per value, written through: lines are in the file once put() returns, as with
        Kafka's FileStreamSinkTask (whose PrintStream writes every record to the file at once)."""
        try:
            # Lines already (str values): joined in one call; anything else is rendered one by one.
            text = "\n".join(values) + "\n" if values else ""  # type: ignore[arg-type]
        except TypeError:
            text = "".join(f"{_render(v, s)}\n" for v, s in zip(values, schemas, strict=False))
        data = memoryview(text.encode("utf-8"))
        while data:
            data = data[os.write(self._fd, data) :]

    def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        pass  # every put() is written through already

    def stop(self) -> None:
        if self._owns_fd:
            os.close(self._fd)


class FileStreamSinkConnector(SinkConnector):
    aliases = ("org.apache.kafka.connect.file.FileStreamSinkConnector",)

    def version(self) -> str:
        return BUILTIN_VERSION

    def config_def(self) -> ConfigDef:
        return _config_def()

    def start(self, config: Mapping[str, str]) -> None:
        self._config = dict(config)

    def task_class(self) -> type[FileStreamSinkTask]:
        return FileStreamSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        # As Kafka's: tasks.max identical tasks, sharing the topics' partitions and appending to one file.
        return [dict(self._config) for _ in range(max_tasks)]

    def alter_offsets(self, config: Mapping[str, str], offsets: Mapping[TopicPartition, int | None]) -> bool:
        # The file holds no offsets of its own: the consumer group's are all there is.
        return True

    def stop(self) -> None:
        pass
