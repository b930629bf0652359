"""KIP-610: a sink task reports a record it cannot write instead of failing.

The report goes through the connector's error handling under stage TASK_PUT: logged, written to
the dead letter queue (the original consumed bytes when the record came from the current batch,
else the record serialized again with the connector's converters, as Kafka does), counted; with
``errors.tolerance=none`` the task fails. The runner waits for every DLQ write before it commits
the offsets past the reported records.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from connectd.api.converter import Converter
from connectd.api.records import SinkRecord
from connectd.runtime.pipeline.errors import ConsumedMessage, FailedRecord, RecordErrorHandler, Stage


class _ReserializedRecord:
    """A consumed-message view of a record that left the current batch: its bytes rebuilt."""

    def __init__(
        self, record: SinkRecord, key: bytes | None, value: bytes | None, headers: list[Any]
    ) -> None:
        self._record, self._key, self._value, self._headers = record, key, value, headers

    def topic(self) -> str:
        return self._record.topic

    def partition(self) -> int:
        return self._record.partition

    def offset(self) -> int:
        return self._record.offset

    def key(self) -> bytes | None:
        return self._key

    def value(self) -> bytes | None:
        return self._value

    def headers(self) -> list[tuple[str, bytes | None]]:
        return list(self._headers)

    def timestamp(self) -> tuple[int, int]:
        stamp = self._record.timestamp
        return (1, stamp) if stamp is not None else (0, -1)


class SinkErrantRecordReporter:
    def __init__(
        self,
        errors: RecordErrorHandler,
        task_class: str,
        key_converter: Converter,
        value_converter: Converter,
        header_converter: Converter,
    ) -> None:
        self._errors = errors
        self._task_class = task_class
        self._key, self._value, self._headers = key_converter, value_converter, header_converter
        # The consumed message of each record of the batch being put, by the record's identity.
        self._originals: dict[int, tuple[SinkRecord, ConsumedMessage]] = {}

    def remember_batch(self, pairs: list[tuple[SinkRecord, ConsumedMessage]]) -> None:
        self._originals = {id(record): (record, message) for record, message in pairs}

    def _original(self, record: SinkRecord) -> ConsumedMessage:
        known = self._originals.get(id(record))
        if known is not None and known[0] is record:
            return known[1]
        topic = record.topic
        key = None if record.key is None else self._key.from_connect(topic, record.key_schema, record.key)
        value = self._value.from_connect(topic, record.value_schema, record.value)
        headers = [(h.key, self._headers.from_connect(topic, h.schema, h.value)) for h in record.headers]
        return _ReserializedRecord(record, key, value, headers)

    def report(self, record: SinkRecord, error: BaseException) -> Future[None]:
        failure = FailedRecord(
            Stage.TASK_PUT, self._task_class, error, self._errors.task, record.topic, self._original(record)
        )
        futures = self._errors.report_failed(failure)
        return _all_of(futures)


def _all_of(futures: list[Future[None]]) -> Future[None]:
    combined: Future[None] = Future()
    if not futures:
        combined.set_result(None)
        return combined
    remaining = [len(futures)]

    def done(future: Future[None]) -> None:
        if combined.done():
            return
        error = future.exception()
        if error is not None:
            combined.set_exception(error)
            return
        remaining[0] -= 1
        if remaining[0] == 0:
            combined.set_result(None)

    for future in futures:
        future.add_done_callback(done)
    return combined
