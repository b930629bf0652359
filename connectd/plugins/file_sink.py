"""FileStreamSink: writes each record's value as a line to a file (or stdout)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO

from connectd.api import (
    ConfigDef,
    ConfigType,
    Importance,
    SinkConnector,
    SinkRecord,
    SinkTask,
    TopicPartition,
)
from connectd.connector_version import BUILTIN_VERSION

FILE = "file"


def _config_def() -> ConfigDef:
    return ConfigDef().define(
        FILE,
        ConfigType.STRING,
        None,
        importance=Importance.HIGH,
        documentation="Destination filename. If not specified, the standard output will be used",
    )


def _render(value: object) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


class FileStreamSinkTask(SinkTask):
    def version(self) -> str:
        return BUILTIN_VERSION

    def start(self, config: Mapping[str, str]) -> None:
        filename = _config_def().parse(config)[FILE]
        self._owns_stream = bool(filename)
        self._stream: TextIO = (
            open(filename, "a", encoding="utf-8") if filename else sys.stdout  # noqa: SIM115
        )

    def put(self, records: list[SinkRecord]) -> None:
        # Written through, one write per batch: lines are in the file once put() returns, as with
        # Kafka's FileStreamSinkTask (whose PrintStream writes every record to the file at once).
        self._stream.write("".join(f"{_render(r.value)}\n" for r in records))
        self._stream.flush()

    def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        self._stream.flush()

    def stop(self) -> None:
        self._stream.flush()
        if self._owns_stream:
            self._stream.close()


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
        # Every task appends to the same file; one is what Kafka runs too.
        return [dict(self._config)]

    def alter_offsets(self, config: Mapping[str, str], offsets: Mapping[TopicPartition, int | None]) -> bool:
        # The file holds no offsets of its own: the consumer group's are all there is.
        return True

    def stop(self) -> None:
        pass
