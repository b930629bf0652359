"""Runs a SourceTask: poll, convert, produce with per-record delivery tracking, commit offsets."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from connectd.api.converter import Converter
from connectd.api.errors import ConnectError
from connectd.api.exactly_once import TransactionContext
from connectd.api.records import RecordMetadata, SourceRecord
from connectd.api.task import SourceTask
from connectd.errors import FencedError
from connectd.runtime.model import TaskId
from connectd.runtime.status import StatusListener
from connectd.runtime.submitted_records import SubmittedRecord, SubmittedRecords
from connectd.runtime.task_runner import TaskRunner
from connectd.runtime.topic_creation import TopicCreator
from connectd.runtime.topic_tracking import TopicTracker
from connectd.storage.fencing import TaskClaim
from connectd.storage.offsets import ConnectorOffsetReader, OffsetBackend

log = logging.getLogger(__name__)

_PAUSED_WAIT_S = 0.1


class _SourceTaskContext:
    def __init__(
        self,
        offset_reader: ConnectorOffsetReader,
        config: Mapping[str, str],
        transaction_context: TransactionContext | None = None,
    ) -> None:
        self.offset_reader = offset_reader
        self.config = config
        self.transaction_context = transaction_context


class _Delivery(tuple[Any, ...]):
    """The delivery callback of one record: ``(runner, handle, record or None)``. A callable tuple
    rather than a closure or an object with ``__init__``: one is built per record, built in C, and
    every record in flight keeps one alive (fewer live objects keep garbage collection cheap)."""

    __slots__ = ()

    def __call__(self, err: KafkaError | None, msg: Message) -> None:
        runner: SourceTaskRunner = self[0]
        if err is not None:
            runner._delivery_error = err
            return
        handle: SubmittedRecord = self[1]
        handle.acked = True
        runner.active_topics.record(msg.topic())  # like Kafka: once the broker has the record
        record: SourceRecord | None = self[2]
        if record is not None:  # only kept when the task overrides commit_record
            runner.task.commit_record(record, RecordMetadata(msg.topic(), msg.partition(), msg.offset()))


def produce(
    producer: Producer, topic: str, value: Any, key: Any, on_delivery: Any, kwargs: dict[str, Any]
) -> None:
    """One ``produce``, waiting for room while the producer's local queue is full."""
    while True:
        try:
            if kwargs:
                producer.produce(topic, value, key, on_delivery=on_delivery, **kwargs)
            else:
                producer.produce(topic, value, key, on_delivery=on_delivery)
            return
        except BufferError:
            producer.poll(0.05)  # the local queue is full: let deliveries drain


class SourceTaskRunner(TaskRunner):
    def __init__(
        self,
        task_id: TaskId,
        task: SourceTask,
        task_config: Mapping[str, str],
        *,
        worker_id: str,
        statuses: StatusListener,
        producer_config: Mapping[str, str],
        key_converter: Converter,
        value_converter: Converter,
        header_converter: Converter,
        offsets: OffsetBackend,
        offset_flush_interval_ms: int,
        offset_flush_timeout_ms: int,
        topic_creator: TopicCreator | None = None,
        active_topics: TopicTracker | None = None,
        epoch: int = 0,
    ) -> None:
        super().__init__(task_id, task, worker_id, statuses, active_topics)
        self.task: SourceTask = task
        self._task_config = dict(task_config)
        self._producer_config = dict(producer_config)
        self._key_converter = key_converter
        self._value_converter = value_converter
        self._header_converter = header_converter
        self._offsets = offsets
        self._flush_interval_s = offset_flush_interval_ms / 1000
        self._flush_timeout_s = offset_flush_timeout_ms / 1000
        self._topic_creator = topic_creator
        self._submitted = SubmittedRecords()
        self._unwritten: dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
        self._delivery_error: KafkaError | None = None
        self._wants_commit_record = type(task).commit_record is not SourceTask.commit_record
        # This copy of the task: the offset store refuses its commits once a newer copy claimed it.
        self._claim = TaskClaim(task_id, epoch, worker_id)
        self.records_sent = 0

    def request_stop(self) -> None:
        super().request_stop()
        # Like Kafka: stop() is called from the stopping thread so a blocked poll() can return.
        try:
            self.task.stop()
        except Exception:
            log.exception("task %s raised in stop()", self.task_id)

    def execute(self) -> None:
        # Claimed before the offsets are read: from now on an older copy can move none of them.
        self._offsets.claim(self._claim)
        producer = Producer(self._producer_config)
        try:
            self._start_task()
            next_flush = time.monotonic() + self._flush_interval_s
            while not self.stopping:
                # Paused: poll() is not called, but deliveries and offset commits still complete.
                if not self.idle_if_paused(_PAUSED_WAIT_S):
                    records = self.task.poll()
                    if records:
                        # An overdue commit goes before the send: a copy frozen past its flush time
                        # (SIGSTOP) learns whether it was fenced before it sends what it polled.
                        next_flush = self._commit_if_due(next_flush)
                        self._send(producer, records)
                producer.poll(0)
                self._raise_delivery_error()
                # Acknowledged records leave the in-flight queues now rather than at the next offset
                # flush: a million live tracking objects make every garbage collection pass slow.
                self._unwritten.update(self._submitted.committable())
                next_flush = self._commit_if_due(next_flush)
        finally:
            # Even after a failure: whatever the broker acknowledged is safe to commit.
            remaining = producer.flush(self._flush_timeout_s)
            if remaining:
                log.warning(
                    "task %s: %d records unacknowledged at stop; not committed", self.task_id, remaining
                )
            if not self.fenced:
                self.commit_offsets()
        self._raise_delivery_error()

    def _start_task(self, transaction_context: TransactionContext | None = None) -> None:
        reader = ConnectorOffsetReader(self._offsets, self.task_id.connector)
        self.task.initialize(_SourceTaskContext(reader, self._task_config, transaction_context))
        self.task.start(self._task_config)
        self.running()

    def _raise_delivery_error(self) -> None:
        if self._delivery_error is not None:
            raise ConnectError(f"Unrecoverable exception from producer send callback: {self._delivery_error}")

    def _send(self, producer: Producer, records: list[SourceRecord]) -> None:
        # Per-record work is most of a source task's cost: attribute lookups are hoisted out of the loop.
        serialize, submit = self._serialize, self._submitted.submit
        keep_record = self._wants_commit_record
        for record in records:
            topic, value, key, kwargs = serialize(record)
            handle = submit(record.source_partition, record.source_offset)
            produce(
                producer,
                topic,
                value,
                key,
                _Delivery((self, handle, record if keep_record else None)),
                kwargs,
            )
        self.records_sent += len(records)

    def _serialize(self, record: SourceRecord) -> tuple[str, Any, Any, dict[str, Any]]:
        """What the producer sends for ``record``: topic, value and key bytes, and the optional
        partition, timestamp and headers. Its topic is created first if a rule says so."""
        topic = record.topic
        if self._topic_creator is not None:
            self._topic_creator.ensure(topic)
        try:
            key = (
                None
                if record.key is None
                else self._key_converter.from_connect(topic, record.key_schema, record.key)
            )
            value = self._value_converter.from_connect(topic, record.value_schema, record.value)
        except Exception as exc:
            raise ConnectError(f"Failed to convert a record for topic {topic}: {exc}") from exc
        kwargs: dict[str, Any] = {}
        if record.partition is not None:
            kwargs["partition"] = record.partition
        if record.timestamp is not None:
            kwargs["timestamp"] = record.timestamp
        if record.headers:
            kwargs["headers"] = [
                (h.key, self._header_converter.from_connect(topic, h.schema, h.value)) for h in record.headers
            ]
        return topic, value, key, kwargs

    def _commit_if_due(self, next_flush: float) -> float:
        """Commit when ``next_flush`` passed; the next one's time."""
        if time.monotonic() < next_flush:
            return next_flush
        self.commit_offsets()
        return time.monotonic() + self._flush_interval_s

    def commit_offsets(self) -> None:
        """Write every committable offset to the store; keep them for a retry if the write fails. A
        stale copy's commit is refused (FencedError): it ends the task at once, with no final commit."""
        self._unwritten.update(self._submitted.committable())
        try:
            # With nothing to commit, ask the store anyway: a stale copy must not run on for free.
            self._offsets.check_fence(self._claim, ask=not self._unwritten)
            if self._unwritten:
                self._write_unwritten()
        except FencedError:
            self.fenced = True
            raise

    def _write_unwritten(self) -> None:
        try:
            self._offsets.write(self.task_id.connector, list(self._unwritten.values()), self._claim)
        except FencedError:
            raise
        except Exception:
            log.exception("task %s: offset commit failed; will retry", self.task_id)
            return
        self._unwritten.clear()
        try:
            self.task.commit()
        except Exception:
            log.exception("task %s raised in commit()", self.task_id)
