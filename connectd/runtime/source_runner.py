"""Runs a SourceTask: poll, the record pipeline (transforms, converters), produce with delivery
tracking per batch (by drain of the producer unless each record's acknowledgement is needed), commit
offsets."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from itertools import repeat
from operator import attrgetter
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from connectd.api.errors import ConnectError
from connectd.api.exactly_once import TransactionContext
from connectd.api.records import RecordMetadata, SourceRecord, SourceRecordBatch
from connectd.api.task import SourceTask
from connectd.errors import FencedError
from connectd.metrics.task_metrics import TaskMetrics
from connectd.runtime.model import TaskId
from connectd.runtime.pipeline.errors import FailedRecord, Stage, class_name
from connectd.runtime.pipeline.record_pipeline import (
    Outgoing,
    PlainBatch,
    SourceRecordPipeline,
    one_object,
    outgoing,
)
from connectd.runtime.status import StatusListener
from connectd.runtime.submitted_records import SubmittedBatch, SubmittedRecords
from connectd.runtime.task_runner import TaskRunner
from connectd.runtime.topic_creation import TopicCreator
from connectd.runtime.topic_tracking import TopicTracker
from connectd.storage.fencing import TaskClaim
from connectd.storage.offsets import ConnectorOffsetReader, OffsetBackend

log = logging.getLogger(__name__)

_PAUSED_WAIT_S = 0.1
_NO_PARTITION = object()  # before the first record of a batch: no source partition seen yet
_SOURCE_PARTITION = attrgetter("source_partition")
_drain = deque(maxlen=0).extend  # runs an iterator to its end in C


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


class _BatchDelivery(SubmittedBatch):
    """The records of one source partition in one ``poll()`` batch, and the delivery callback of each
    of them: one object per batch, called by the producer for each record (no per-record objects,
    so few live objects and cheap garbage collection)."""

    __slots__ = ("runner", "topics")

    def __init__(self, runner: SourceTaskRunner, topics: set[str]) -> None:
        super().__init__()
        self.runner = runner
        # The Kafka topics of the poll() batch, recorded as active at this batch's first
        # acknowledgement (KIP-558: once the broker has a record); None once recorded.
        self.topics: set[str] | None = topics

    def __call__(self, err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            self.runner._produce_failed(self, None, err)
            return
        self.pending -= 1
        if self.topics is not None:
            self.record_topics()

    def record_topics(self) -> None:
        topics, self.topics = self.topics, None
        record = self.runner.active_topics.record
        for topic in topics or ():
            record(topic)


class _RecordDelivery(tuple[Any, ...]):
    """The delivery callback of one record, ``(batch, record)``: when the task wants
    ``commit_record`` or failed produces are tolerated (KIP-779), the record itself is needed.
    A callable tuple: built in C, the cheapest per-record object."""

    __slots__ = ()

    def __call__(self, err: KafkaError | None, msg: Message) -> None:
        batch: _BatchDelivery = self[0]
        record: SourceRecord = self[1]
        runner = batch.runner
        if err is not None:
            runner._produce_failed(batch, record, err)
            return
        batch.pending -= 1
        if batch.topics is not None:
            batch.record_topics()
        if runner._wants_commit_record:
            runner.task.commit_record(record, RecordMetadata(record.topic, msg.partition(), msg.offset()))


def produce_outgoing(producer: Producer, out: Outgoing, callback: Any) -> None:
    """Produce one pipeline output, waiting for room while the producer's local queue is full. Every
    argument is positional: a keyword argument costs ``produce`` about a microsecond more."""
    kafka_topic, value, key, partition, timestamp, headers, _ = out
    while True:
        try:
            producer.produce(kafka_topic, value, key, partition, callback, None, timestamp, headers)
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
        metrics: TaskMetrics | None = None,
    ) -> None:
        super().__init__(task_id, task, worker_id, statuses, active_topics, metrics)
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
        # Without a use for each record's acknowledgement, the producer reports failures only (a
        # report per record costs as much as producing it): a batch is acknowledged once the producer
        # has nothing left in flight, which a flush at each offset commit guarantees (Kafka's commit
        # before KIP-618 worked the same way). Failures still fail the task.
        self._acks_by_drain = not self._keep_records
        self._unrecorded_topics: set[str] = set()
        self._producer: Producer | None = None
        self._task_lifecycle = threading.Lock()
        self._task_started = self._task_stop_called = False
        if metrics is not None:
            metrics.errors = pipeline.errors.counters
            metrics.probes["source-record-active-count"] = self._submitted.outstanding

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
        config: dict[str, Any] = dict(self._producer_config)
        if self._acks_by_drain:
            config["delivery.report.only.error"] = True
        producer = self._producer = Producer(config)
        try:
            self._start_task()
            next_flush = time.monotonic() + self._flush_interval_s
            while not self.stopping:
                # Paused: poll() is not called, but deliveries and offset commits still complete.
                if not self.idle_if_paused(_PAUSED_WAIT_S):
                    records = self.poll_task()
                    if records:
                        # An overdue commit goes before the send: a copy frozen past its flush time
                        # (SIGSTOP) learns whether it was fenced before it sends what it polled.
                        next_flush = self._commit_if_due(next_flush)
                        self._send(producer, records)
                producer.poll(0)
                self._raise_delivery_error()
                if self._acks_by_drain and not len(producer):
                    self._settle_sent()
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

    def _settle_sent(self) -> None:
        """Drain mode, the producer empty and its failures served: every record sent so far is
        acknowledged, so every tracked batch is done and its topics are active (KIP-558)."""
        self._submitted.settle_all()
        record = self.active_topics.record
        for topic in self._unrecorded_topics:
            record(topic)
        self._unrecorded_topics.clear()

    def _flush_for_commit(self) -> None:
        """Drain mode: wait (within ``offset.flush.timeout.ms``) for what is in flight, so that the
        commit covers it; on a timeout the commit covers what was settled before."""
        producer = self._producer
        if producer is None:
            return
        if len(producer) and producer.flush(self._flush_timeout_s):
            log.warning(
                "task %s: producer not flushed within %.1f s; offsets of records in flight not committed",
                self.task_id,
                self._flush_timeout_s,
            )
            return
        # After a failed record, which of the others succeeded is unknown: none is settled.
        if self._delivery_error is None:
            self._settle_sent()

    def poll_task(self) -> list[SourceRecord] | SourceRecordBatch | None:
        """``task.poll()``, its batch recorded in the metrics (once per batch, never per record)."""
        metrics = self.metrics
        if metrics is None:
            return self.task.poll()
        started = time.monotonic()
        records = self.task.poll()
        if records:
            metrics.record_batch(len(records), started, time.monotonic())
        return records

    def _raise_delivery_error(self) -> None:
        if self._delivery_error is not None:
            raise ConnectError(f"Unrecoverable exception from producer send callback: {self._delivery_error}")

    def _send(self, producer: Producer, polled: list[SourceRecord] | SourceRecordBatch) -> None:
        """Produce a polled batch. Its records of each source partition are tracked as one batch,
        committable once all of them (and the batches before) are acknowledged."""
        if isinstance(polled, SourceRecordBatch):
            columns = None if self._keep_records else self._pipeline.process_columns(polled)
            if columns is not None:
                self._send_plain(producer, polled.source_partition, polled.source_offset, columns)
                self._record_handed(len(polled))
                return
            polled = polled.records()
        converted = self._pipeline.process_batch(polled)
        if (
            isinstance(converted, PlainBatch)
            and not self._keep_records
            and one_object(list(map(_SOURCE_PARTITION, polled)))
            and (polled[-1].source_offset is not None or polled[0].source_partition is None)
        ):
            self._send_plain(producer, polled[0].source_partition, polled[-1].source_offset, converted)
            written = len(polled)
        else:
            written = self._send_each(producer, polled, outgoing(converted))
        self._record_handed(written)

    def _record_handed(self, written: int) -> None:
        if self.metrics is not None:
            self.metrics.record_handed(written, time.monotonic())

    def _send_plain(
        self,
        producer: Producer,
        partition: Mapping[str, Any] | None,
        offset: Mapping[str, Any] | None,
        plain: PlainBatch,
    ) -> None:
        """The usual batch: one source partition, one topic, every record kept. The producer is called
        from C (map) with the fewest arguments: no Python bytecode runs per record."""
        batch = _BatchDelivery(self, {plain.kafka_topic})
        if self._acks_by_drain:
            self._unrecorded_topics.add(plain.kafka_topic)
        batch.offset = offset
        if self._topic_creator is not None:
            self._topic_creator.ensure(plain.topic, plain.kafka_topic)
        count = len(plain.values)
        batch.add(count)
        values = iter(plain.values)
        keys = repeat(None) if plain.keys is None else iter(plain.keys)
        try:
            _drain(map(producer.produce, repeat(plain.kafka_topic), values, keys, repeat(-1), repeat(batch)))
        except BufferError:
            # The local queue filled up: the refused record (the last one taken) and the rest go one
            # by one, each waiting for room.
            start = count - sum(1 for _ in values) - 1
            for out in plain.outgoing()[start:]:
                produce_outgoing(producer, out, batch)  # type: ignore[arg-type]
        self._submitted.submit(partition, batch)
        batch.seal()

    def _send_each(self, producer: Producer, records: list[SourceRecord], outs: list[Outgoing | None]) -> int:
        """Returns how many records went to the producer (the others were dropped)."""
        produce_one = producer.produce
        keep_records, creator = self._keep_records, self._topic_creator
        topics: set[str] = set()
        batches: dict[str | None, tuple[Mapping[str, Any] | None, _BatchDelivery]] = {}
        partition: object = _NO_PARTITION
        batch = _BatchDelivery(self, topics)
        last_topic = None
        key_of = self._submitted.key
        # The source partition is compared by identity (usually one shared object per stream) and
        # looked up by content only when it changes.
        for record, out in zip(records, outs, strict=True):
            if record.source_partition is not partition:
                partition = record.source_partition
                # Equal partitions in distinct objects are one partition: keyed by content.
                key = None if partition is None else key_of(partition)  # type: ignore[arg-type]
                known = batches.get(key)
                if known is None:
                    batch = _BatchDelivery(self, topics)
                    batches[key] = (record.source_partition, batch)
                else:
                    batch = known[1]
            if record.source_offset is not None:  # the batch's offset: its last record's
                batch.offset = record.source_offset
            if out is None:
                self._dropped(batch, record, counted=False)
                continue
            kafka_topic = out[0]
            if kafka_topic is not last_topic:
                last_topic = kafka_topic
                topics.add(kafka_topic)
                if creator is not None:
                    creator.ensure(out[6], kafka_topic)
            batch.pending += 1
            callback = _RecordDelivery((batch, record)) if keep_records else batch
            try:
                produce_one(kafka_topic, out[1], out[2], out[3], callback, None, out[4], out[5])
            except BufferError:
                produce_outgoing(producer, out, callback)  # the queue is full: wait for room
        if self._acks_by_drain:
            self._unrecorded_topics |= topics
        for source_partition, tracked in batches.values():
            self._submitted.submit(source_partition, tracked)
            tracked.seal()  # every record was handed over: the batch may finish now
        return len(outs) - outs.count(None)

    def _dropped(self, batch: SubmittedBatch, record: SourceRecord, counted: bool = True) -> None:
        """A record a transform dropped or the error handling skipped: done, its offset committable."""
        if counted:
            batch.ack()
        if self._wants_commit_record:
            self.task.commit_record(record, None)

    def _produce_failed(self, batch: SubmittedBatch, record: SourceRecord | None, err: KafkaError) -> None:
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
        self._dropped(batch, record)

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
        if self._acks_by_drain:
            self._flush_for_commit()
        self._unwritten.update(self._submitted.committable())
        try:
            # With nothing to commit, ask the store anyway: a stale copy must not run on for free.
            self._offsets.check_fence(self._claim, ask=not self._unwritten)
            if self._unwritten:
                self._write_unwritten()
            elif self.metrics is not None:
                self.metrics.record_commit_skipped(time.monotonic())
        except FencedError:
            self.fenced = True
            raise

    def _write_unwritten(self) -> None:
        started = time.monotonic()
        try:
            self._offsets.write(self.task_id.connector, list(self._unwritten.values()), self._claim)
        except FencedError:
            raise
        except Exception:
            log.exception("task %s: offset commit failed; will retry", self.task_id)
            if self.metrics is not None:
                self.metrics.record_commit(False, started, time.monotonic())
            return
        if self.metrics is not None:
            self.metrics.record_commit(True, started, time.monotonic())
        self._unwritten.clear()
        try:
            self.task.commit()
        except Exception:
            log.exception("task %s raised in commit()", self.task_id)
