"""Runs a SinkTask: consume as group ``connect-<name>``, the record pipeline (converters,
transforms), ``put`` in batches, commit what was flushed (``pre_commit``), on a timer, on
revocation and at stop."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from itertools import repeat
from operator import is_
from typing import TypeVar

from confluent_kafka import Consumer, KafkaError, KafkaException, Message
from confluent_kafka import TopicPartition as KafkaTopicPartition

from connectd.api.records import SinkRecord, SinkRecordBatch, TopicPartition
from connectd.api.task import SinkTask
from connectd.metrics.task_metrics import TaskMetrics
from connectd.runtime import connector_config as cc
from connectd.runtime.model import TaskId
from connectd.runtime.pipeline.errant_records import SinkErrantRecordReporter
from connectd.runtime.pipeline.record_pipeline import SinkRecordPipeline
from connectd.runtime.status import StatusListener
from connectd.runtime.task_runner import TaskRunner
from connectd.runtime.topic_creation import TopicCreator
from connectd.runtime.topic_tracking import TopicTracker
from connectd.stream_paths import TopicNames

log = logging.getLogger(__name__)

_CONSUME_TIMEOUT_S = 0.1
_Delivered = TypeVar("_Delivered", list[SinkRecord], SinkRecordBatch)


class _SinkTaskContext:
    def __init__(
        self, config: Mapping[str, str], errant_record_reporter: SinkErrantRecordReporter | None
    ) -> None:
        self.config = config
        self.errant_record_reporter = errant_record_reporter
        self.partitions: set[TopicPartition] = set()
        self.commit_requested = False

    def assignment(self) -> set[TopicPartition]:
        return set(self.partitions)

    def request_commit(self) -> None:
        self.commit_requested = True


class SinkTaskRunner(TaskRunner):
    def __init__(
        self,
        task_id: TaskId,
        task: SinkTask,
        task_config: Mapping[str, str],
        *,
        worker_id: str,
        statuses: StatusListener,
        consumer_config: Mapping[str, str],
        pipeline: SinkRecordPipeline,
        errant_record_reporter: SinkErrantRecordReporter | None,
        batch_size: int,
        offset_flush_interval_ms: int,
        offset_flush_timeout_ms: int = 5000,
        active_topics: TopicTracker | None = None,
        topic_creator: TopicCreator | None = None,
        topic_names: TopicNames | None = None,
        metrics: TaskMetrics | None = None,
    ) -> None:
        super().__init__(task_id, task, worker_id, statuses, active_topics, metrics)
        self.task: SinkTask = task
        self._topic_creator = topic_creator
        self._task_config = dict(task_config)
        self._consumer_config = dict(consumer_config)
        self._pipeline = pipeline
        pipeline.errors.bind_stop(self._stopping)
        self._errant = errant_record_reporter
        # The columnar path (put_batch) only where it is exactly what put would get: the task reads
        # columns, and no errant reporter needs each record mapped to its message. The pipeline
        # checks the rest per batch (no transforms, every message converted).
        self._columnar = type(task).put_batch is not SinkTask.put_batch and errant_record_reporter is None
        self._batch_size = batch_size
        self._commit_interval_s = offset_flush_interval_ms / 1000
        self._flush_timeout_s = offset_flush_timeout_ms / 1000
        self._context = _SinkTaskContext(self._task_config, errant_record_reporter)
        self._consumer: Consumer | None = None
        self._current: dict[TopicPartition, int] = {}
        self._committed: dict[TopicPartition, int] = {}
        self._closing = False
        self._consumer_paused = False
        self._callback_error: BaseException | None = None
        # Kafka's name of a topic and the user's (stream paths map: connectd.stream_paths), both ways.
        self._names = topic_names or TopicNames()
        self._user_topics: dict[str, str] = {}
        if metrics is not None:
            metrics.errors = pipeline.errors.counters
            metrics.probes["partition-count"] = self._context.partitions.__len__

    def _user_topic(self, kafka_topic: str) -> str:
        topic = self._user_topics.get(kafka_topic)
        if topic is None:
            topic = self._user_topics[kafka_topic] = self._names.to_user(kafka_topic)
        return topic

    def _subscription(self) -> list[str]:
        """The user's topics (``topics``), or ``^``-prefixed regular expressions over Kafka's names."""
        topics = [t.strip() for t in self._task_config.get(cc.TOPICS, "").split(",") if t.strip()]
        if topics:
            return topics
        regex = self._names.regex_to_kafka(
            self._task_config.get(cc.TOPICS_REGEX, "").strip().removeprefix("^")
        )
        return [regex if regex.startswith("^") else "^" + regex]

    def execute(self) -> None:
        consumer = self._consumer = Consumer(self._consumer_config)
        try:
            self.task.initialize(self._context)
            self.task.start(self._task_config)
            self.running()
            subscription = self._subscription()
            kafka_names = [t if t.startswith("^") else self._names.to_kafka(t) for t in subscription]
            if self._topic_creator is not None:
                # Named topics only: a regex subscription creates nothing, on Kafka either.
                for topic, kafka_topic in zip(subscription, kafka_names, strict=True):
                    if not topic.startswith("^"):
                        self._topic_creator.ensure(topic, kafka_topic)
            consumer.subscribe(kafka_names, on_assign=self._on_assign, on_revoke=self._on_revoke)
            next_commit = time.monotonic() + self._commit_interval_s
            while not self.stopping:
                self._apply_pause(consumer)
                messages = self._next_batch(consumer)
                self._raise_callback_error()
                # Paused: the consumer keeps polling (group membership) but nothing reaches put().
                if self.idle_if_paused(0):
                    self._rewind(consumer, messages)
                elif messages:
                    self._deliver(messages)
                if self._context.commit_requested or time.monotonic() >= next_commit:
                    self._context.commit_requested = False
                    self._commit(set(self._current), final=False)
                    next_commit = time.monotonic() + self._commit_interval_s
            # Graceful stop: commit what the task flushed, release the partitions, then stop the task.
            self._commit(set(self._current), final=True)
            self.task.close(sorted(self._context.partitions))
        finally:
            # close() revokes the partitions: the task is closed (or failed) already, so the revoke
            # callback must not call into it again.
            self._closing = True
            try:
                self.task.stop()
            finally:
                try:
                    self._pipeline.close()
                finally:
                    consumer.close()

    def _next_batch(self, consumer: Consumer) -> list[Message]:
        """Up to a batch of what the consumer has fetched, waiting only while it has nothing: like
        Java's ``poll()``, a record is handed on as soon as it is there, not once a batch is full."""
        messages = consumer.consume(self._batch_size, 0)
        if messages:
            return messages
        first = consumer.poll(_CONSUME_TIMEOUT_S)
        if first is None:
            return []
        return [first, *consumer.consume(self._batch_size - 1, 0)] if self._batch_size > 1 else [first]

    def _apply_pause(self, consumer: Consumer) -> None:
        paused = self.paused  # read once: a resume may land while this runs
        if paused == self._consumer_paused:
            return
        assignment = consumer.assignment()
        if assignment:
            (consumer.pause if paused else consumer.resume)(assignment)
        self._consumer_paused = paused

    def _rewind(self, consumer: Consumer, messages: list[Message]) -> None:
        """Records fetched just as the task paused are not delivered: seek back to the first of each."""
        first: dict[tuple[str, int], int] = {}
        for message in messages:
            if message.error() is None:
                first.setdefault((message.topic(), message.partition()), message.offset())
        assigned = {(tp.topic, tp.partition) for tp in consumer.assignment()}
        for (topic, partition), offset in first.items():
            if (topic, partition) in assigned:  # a partition revoked meanwhile is re-read by its new owner
                consumer.seek(KafkaTopicPartition(topic, partition, offset))

    def _raise_callback_error(self) -> None:
        # An exception escaping a librdkafka callback corrupts the interpreter state
        # (SystemError from consume/close): callbacks store it and the loop raises it here.
        if self._callback_error is not None:
            error, self._callback_error = self._callback_error, None
            raise error

    def _deliver(self, messages: list[Message]) -> None:
        errors = list(map(Message.error, messages))
        # By identity: comparing a KafkaError with None for equality raises.
        if not all(map(is_, repeat(None), errors)):
            messages = self._without_errors(messages, errors)
            if not messages:
                return
        # Offsets follow the consumed messages, not the records: a transform may drop a record or
        # route it to another topic, and what was consumed is what gets committed. The last message
        # of each partition in the batch wins (dict order of insertion, built in C).
        n = len(messages)
        kafka_topics = list(map(Message.topic, messages))
        partitions = list(map(Message.partition, messages))
        offsets = list(map(Message.offset, messages))
        one_topic = kafka_topics.count(kafka_topics[0]) == n
        if one_topic and partitions.count(partitions[0]) == n:
            last = {(kafka_topics[0], partitions[0]): offsets[-1]}
        else:
            last = dict(zip(zip(kafka_topics, partitions, strict=True), offsets, strict=True))
        user_topic, record_topic = self._user_topic, self.active_topics.record
        positions = {}
        for (kafka_topic, partition), offset in last.items():
            topic = user_topic(kafka_topic)
            record_topic(topic)
            positions[TopicPartition(topic, partition)] = offset + 1
        topics = [user_topic(kafka_topics[0])] * n if one_topic else list(map(user_topic, kafka_topics))
        if self.metrics is not None:
            self.metrics.record_taken(n, time.monotonic())
        batch = (
            self._pipeline.process_columns(messages, topics, partitions, offsets) if self._columnar else None
        )
        if batch is not None:
            self._put(self.task.put_batch, batch, n)
        else:
            converted = self._pipeline.process_batch(messages, topics, partitions, offsets)
            records: list[SinkRecord] = list(filter(None, converted))  # records are always true
            if records:
                if self._errant is not None:
                    self._errant.remember_batch(
                        [(r, m) for r, m in zip(converted, messages, strict=True) if r is not None]
                    )
                self._put(self.task.put, records, len(records))
        self._current.update(positions)
        if self.metrics is not None:
            self._record_lag(last)

    def _put(self, put: Callable[[_Delivered], None], delivered: _Delivered, count: int) -> None:
        """Hand ``count`` records to the task (``put`` or ``put_batch``), timed for the metrics."""
        started = time.monotonic()
        put(delivered)
        if self.metrics is not None:
            ended = time.monotonic()
            self.metrics.record_batch_time(started, ended)
            self.metrics.record_handed(count, ended)

    def _record_lag(self, last: dict[tuple[str, int], int]) -> None:
        """sink-record-lag-max: how far behind the partition's end each batch leaves the task, from the
        high watermark the consumer learnt with its last fetch (no request to the broker)."""
        consumer, lags = self._consumer, self.metrics.partition_lag  # type: ignore[union-attr]
        if consumer is None:
            return
        for (kafka_topic, partition), offset in last.items():
            try:
                _, high = consumer.get_watermark_offsets(
                    KafkaTopicPartition(kafka_topic, partition), cached=True
                )
            except KafkaException:
                continue
            if high >= 0:
                lags[(kafka_topic, partition)] = max(0, high - offset - 1)

    def _without_errors(self, messages: list[Message], errors: list[KafkaError | None]) -> list[Message]:
        """The messages that carry records; a fatal consumer error fails the task, others are logged."""
        kept = []
        for message, error in zip(messages, errors, strict=True):
            if error is None:
                kept.append(message)
            elif error.fatal():
                raise KafkaException(error)
            else:
                log.warning("task %s: consumer error: %s", self.task_id, error)
        return kept

    def _commit(self, partitions: set[TopicPartition], final: bool) -> None:
        current = {tp: offset for tp, offset in self._current.items() if tp in partitions}
        if not current or self._consumer is None:
            return
        # Records reported as errant reach the dead letter queue before the offsets past them commit.
        self._pipeline.errors.await_reports(self._flush_timeout_s)
        allowed = self.task.pre_commit(current)
        changed = {tp: o for tp, o in allowed.items() if tp in current and self._committed.get(tp) != o}
        if not changed:
            if self.metrics is not None:
                self.metrics.record_commit_skipped(time.monotonic())
            return
        offsets = [
            KafkaTopicPartition(self._names.to_kafka(tp.topic), tp.partition, o) for tp, o in changed.items()
        ]
        started = time.monotonic()
        try:
            self._consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            if self.metrics is not None:
                self.metrics.record_commit(False, started, time.monotonic())
            if final:
                raise
            log.warning("task %s: offset commit failed, will retry: %s", self.task_id, exc)
            return
        if self.metrics is not None:
            self.metrics.record_commit(True, started, time.monotonic())
        self._committed.update(changed)

    def _on_assign(self, consumer: Consumer, partitions: list[KafkaTopicPartition]) -> None:
        try:
            assigned = [TopicPartition(self._user_topic(p.topic), p.partition) for p in partitions]
            self._context.partitions.update(assigned)
            log.info("task %s assigned %s", self.task_id, ", ".join(f"{t}-{p}" for t, p in assigned))
            if self._consumer_paused:
                # Take the partitions now so they can be paused before the first fetch.
                if consumer.rebalance_protocol() == "COOPERATIVE":
                    consumer.incremental_assign(partitions)
                else:
                    consumer.assign(partitions)
                consumer.pause(partitions)
            self.task.open(assigned)
        except BaseException as exc:
            self._callback_error = exc

    def _on_revoke(self, consumer: Consumer, partitions: list[KafkaTopicPartition]) -> None:
        if self._closing:
            return
        try:
            revoked = {TopicPartition(self._user_topic(p.topic), p.partition) for p in partitions}
            self._commit(revoked, final=False)
            self.task.close(sorted(revoked))
            self._context.partitions -= revoked
            for tp in revoked:
                self._current.pop(tp, None)
                self._committed.pop(tp, None)
            if self.metrics is not None:
                for p in partitions:
                    self.metrics.partition_lag.pop((p.topic, p.partition), None)
        except BaseException as exc:
            self._callback_error = exc
