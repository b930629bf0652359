"""FileStreamSource: each line of a file (or stdin) becomes a record; the offset is the byte position."""

from __future__ import annotations

import select
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO

from connectd.api import (
    STRING_SCHEMA,
    ConfigDef,
    ConfigType,
    ConnectError,
    ExactlyOnceSupport,
    Importance,
    Range,
    SourceConnector,
    SourceRecordBatch,
    SourceTask,
    non_empty_string,
)
from connectd.connector_version import BUILTIN_VERSION

FILE = "file"
TOPIC = "topic"
BATCH_SIZE = "batch.size"
_IDLE_WAIT_S = 0.05  # how long poll() waits for new data: bounds end-to-end latency when idle
_READ_CHUNK = 1 << 16
_PLUS_ONE = (1).__add__  # a line's length with its newline


def _config_def() -> ConfigDef:
    return (
        ConfigDef()
        .define(
            FILE,
            ConfigType.STRING,
            None,
            importance=Importance.HIGH,
            documentation="Source filename. If not specified, the standard input will be used",
        )
        .define(
            TOPIC,
            ConfigType.STRING,
            validator=non_empty_string,
            importance=Importance.HIGH,
            documentation="The topic to publish data to",
        )
        .define(
            BATCH_SIZE,
            ConfigType.INT,
            2000,
            validator=Range.at_least(1),
            importance=Importance.LOW,
            documentation="The maximum number of records the source task can read from the file each "
            "time it is polled",
        )
    )


class FileStreamSourceTask(SourceTask):
    def version(self) -> str:
        return BUILTIN_VERSION

    def start(self, config: Mapping[str, str]) -> None:
        parsed = _config_def().parse(config)
        self.filename: str | None = parsed[FILE] or None
        self.topic: str = parsed[TOPIC]
        self.batch_size: int = parsed[BATCH_SIZE]
        self._stopped = threading.Event()
        self._stream: BinaryIO | None = None
        self._buffer = b""
        # One partition object shared by all records: the runtime caches its key by identity.
        self._partition = {"filename": self.filename} if self.filename else None
        self._position = 0
        if self._partition is not None:
            committed = self.context.offset_reader.offset(self._partition)
            if committed is not None:
                position = committed.get("position")
                if not isinstance(position, int) or position < 0:
                    raise ValueError(f"Unexpected offset position {position!r} for file {self.filename}")
                self._position = position

    def _open(self) -> BinaryIO | None:
        if self.filename is None:
            return sys.stdin.buffer
        try:
            stream = open(self.filename, "rb")  # noqa: SIM115 - kept open across polls
        except FileNotFoundError:
            return None
        stream.seek(self._position)
        return stream

    def _read_available(self) -> bytes:
        assert self._stream is not None
        if self.filename is None:
            ready, _, _ = select.select([self._stream], [], [], _IDLE_WAIT_S)
            return self._stream.read1(_READ_CHUNK) if ready else b""  # type: ignore[attr-defined]
        return self._stream.read(_READ_CHUNK)

    def poll(self) -> SourceRecordBatch | None:
        if self._stream is None:
            self._stream = self._open()
            if self._stream is None:
                self._stopped.wait(_IDLE_WAIT_S)
                return None
        # Read until the buffer holds a batch of lines or the file has nothing more for now; chunks are
        # joined once, and only each new chunk's lines are counted.
        chunks, batch_size = [self._buffer], self.batch_size
        lines = self._buffer.count(b"\n")
        while lines < batch_size and not self._stopped.is_set():
            chunk = self._read_available()
            if not chunk:
                break
            chunks.append(chunk)
            lines += chunk.count(b"\n")
        buffer = b"".join(chunks) if len(chunks) > 1 else chunks[0]
        values, lengths, self._buffer = self._lines(buffer)
        if not values:
            self._stopped.wait(_IDLE_WAIT_S)
            return None
        return self._records(values, lengths)

    def _lines(self, buffer: bytes) -> tuple[list[str], list[int], bytes]:
        """Up to a batch of the complete lines at the start of ``buffer`` (without their ``\n`` or
        ``\r\n``), each line's length in bytes with its end, and what is left of the buffer."""
        if buffer.isascii():
            # The usual log line: one decode and one split, and characters are bytes.
            values = buffer.decode("ascii").split("\n", self.batch_size)
            rest = values.pop()  # an unfinished line, or what is beyond this batch
            lengths = list(map(_PLUS_ONE, map(len, values)))
            left = buffer[len(buffer) - len(rest) :]
        else:
            lines = buffer.split(b"\n", self.batch_size)
            left = lines.pop()
            lengths = list(map(_PLUS_ONE, map(len, lines)))
            values = [line.decode("utf-8", errors="replace") for line in lines]
        if b"\r" in buffer:  # a line ending in \r\n loses the \r too (a one-byte search is quick)
            values = [v[:-1] if v.endswith("\r") else v for v in values]
        return values, lengths, left

    def _records(self, values: list[str], lengths: list[int]) -> SourceRecordBatch:
        """The lines as one batch; its offset is the position after the last line."""
        self._position += sum(lengths)
        if self._partition is None:
            return SourceRecordBatch(self.topic, values, STRING_SCHEMA)
        return SourceRecordBatch(
            self.topic, values, STRING_SCHEMA, self._partition, {"position": self._position}
        )

    def stop(self) -> None:
        self._stopped.set()


class FileStreamSourceConnector(SourceConnector):
    aliases = ("org.apache.kafka.connect.file.FileStreamSourceConnector",)

    def version(self) -> str:
        return BUILTIN_VERSION

    def config_def(self) -> ConfigDef:
        return _config_def()

    def start(self, config: Mapping[str, str]) -> None:
        self._config = {k: v for k, v in config.items() if k in (FILE, TOPIC, BATCH_SIZE)}
        _config_def().parse(config)

    def task_class(self) -> type[FileStreamSourceTask]:
        return FileStreamSourceTask

    def exactly_once_support(self, config: Mapping[str, str]) -> ExactlyOnceSupport:
        # A position in a file names the next line exactly; stdin has no position to resume from.
        return ExactlyOnceSupport.SUPPORTED if config.get(FILE) else ExactlyOnceSupport.UNSUPPORTED

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        # A file is read sequentially: one task, whatever tasks.max allows.
        return [dict(self._config)]

    def alter_offsets(
        self, config: Mapping[str, str], offsets: Sequence[tuple[dict[str, Any], dict[str, Any] | None]]
    ) -> bool:
        # Kafka's FileStreamSourceConnector checks, with its messages; whether the position fits the
        # file is for the task to find out when it starts.
        if not _config_def().parse(config)[FILE]:
            raise ConnectError(
                f"Offsets cannot be modified if the '{FILE}' configuration is unspecified. "
                "This is because stdin is used for input and offsets are not tracked."
            )
        value_message = "The value for the 'position' key in the offset"
        for partition, offset in offsets:
            if offset is None:
                continue  # a reset is allowed for anything, so that garbage can be cleaned up
            if "position" not in offset:
                raise ConnectError("Offset objects should either be null or contain the key 'position'")
            position = offset["position"]
            if not isinstance(position, int) or isinstance(position, bool):
                raise ConnectError(f"{value_message} is expected to be a Long value")
            if position < 0:
                raise ConnectError(f"{value_message} should be a non-negative value")
            if "filename" not in partition:
                raise ConnectError("Partition objects should contain the key 'filename'")
        return True

    def stop(self) -> None:
        pass
