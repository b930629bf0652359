"""Runs a SourceTask: poll, the record pipeline (transforms, converters), produce with per-record
delivery tracking, commit offsets."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from connectd.api.errors import ConnectError
from connectd.api.exactly_once import TransactionContext
from connectd.api.records import RecordMetadata, SourceRecord
from connectd.api.task import SourceTask
from connectd.errors import FencedError
from connectd.runtime.model import TaskId
from connectd.runtime.pipeline.errors import FailedRecord, Stage, class_name
from connectd.runtime.pipeline.record_pipeline import SourceRecordPipeline
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
        handle: SubmittedRecord = self[1]
        record: SourceRecord | None = self[
            2
        ]  # kept when the task overrides commit_record or errors are tolerated
        if err is not None:
            runner._produce_failed(handle, record, err)
            return
        handle.acked = True
        runner.active_topics.record(msg.topic())  # like Kafka: once the broker has the record
        if record is not None and runner._wants_commit_record:
            runner.task.commit_record(record, RecordMetadata(record.topic, msg.partition(), msg.offset()))


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
        pipeline: SourceRecordPipeline,
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
        self._pipeline = pipeline
        pipeline.errors.bind_stop(self._stopping)
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
        # Tolerated errors: a produce failure is reported with the record, so it is kept in flight.
        self._keep_records = self._wants_commit_record or pipeline.errors.settings.tolerate_all
        self.records_sent = 0
        self._task_lifecycle = threading.Lock()
        self._task_started = self._task_stop_called = False

    def request_stop(self) -> None:
        super().request_stop()
        # Like Kafka: stop() is called from the stopping thread so a blocked poll() can return.
        self._stop_task_once()

    def _stop_task_once(self) -> None:
        """``task.stop()`` once, and only after ``start()`` returned: a stop requested during start
        is carried out by the task's own thread when start returns (``execute``'s exit)."""
        with self._task_lifecycle:
            if not self._task_started or self._task_stop_called:
                return
            self._task_stop_called = True
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
            try:
                if not self.fenced:
                    self.commit_offsets()
            finally:
                self._stop_task_once()
                self._pipeline.close()
        self._raise_delivery_error()

    def _start_task(self, transaction_context: TransactionContext | None = None) -> None:
        reader = ConnectorOffsetReader(self._offsets, self.task_id.connector)
        self.task.initialize(_SourceTaskContext(reader, self._task_config, transaction_context))
        self.task.start(self._task_config)
        with self._task_lifecycle:
            self._task_started = True
        self.running()

    def _raise_delivery_error(self) -> None:
        if self._delivery_error is not None:
            raise ConnectError(f"Unrecoverable exception from producer send callback: {self._delivery_error}")

    def _send(self, producer: Producer, records: list[SourceRecord]) -> None:
        # Per-record work is most of a source task's cost: attribute lookups are hoisted out of the loop.
        process, submit, creator = self._pipeline.process, self._submitted.submit, self._topic_creator
        keep_record = self._keep_records
        for record in records:
            handle = submit(record.source_partition, record.source_offset)
            out = process(record)
            if out is None:
                self._dropped(handle, record)
                continue
            if creator is not None:
                creator.ensure(out.topic, out.kafka_topic)
            produce(
                producer,
                out.kafka_topic,
                out.value,
                out.key,
                _Delivery((self, handle, record if keep_record else None)),
                out.kwargs,
            )
        self.records_sent += len(records)

    def _dropped(self, handle: SubmittedRecord, record: SourceRecord) -> None:
        """A record a transform dropped or the error handling skipped: done, its offset committable."""
        handle.acked = True
        if self._wants_commit_record:
            self.task.commit_record(record, None)

    def _produce_failed(self, handle: SubmittedRecord, record: SourceRecord | None, err: KafkaError) -> None:
        """KIP-779: with ``errors.tolerance=all`` a record Kafka refused is reported and skipped;
        otherwise the task fails on it."""
        if record is None or not self._pipeline.errors.settings.tolerate_all:
            self._delivery_error = err
            return
        error = KafkaException(err)
        failure = FailedRecord(
            Stage.KAFKA_PRODUCE, class_name(Producer), error, str(self.task_id), record.topic, None, record
        )
        try:
            self._pipeline.errors.report_failed(failure)
        except Exception as exc:  # the callback must not raise into librdkafka
            log.error("task %s: reporting a failed produce failed: %s", self.task_id, exc)
        self._dropped(handle, record)

    def _commit_if_due(self, next_flush: float) -> float:
        """Commit when ``next_flush`` passed; the next one's time."""
        if time.monotonic() < next_flush:
            return next_flush
        self.commit_offsets()
        return time.monotonic() + self._flush_interval_s

    def commit_offsets(self) -> None:
        """Write every committable offset to the store; keep them for a retry if the write fails. A
        stale copy's commit is refused (FencedError): it ends the task at once, with no final commit."""
        # Reported records reach the dead letter queue before the offsets past them are committed.
        self._pipeline.errors.await_reports(self._flush_timeout_s)
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
