"""Runs a SinkTask: consume as group ``connect-<name>``, convert, ``put`` in batches, commit what was
flushed (``pre_commit``), on a timer, on revocation and at stop."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from confluent_kafka import Consumer, KafkaException, Message
from confluent_kafka import TopicPartition as KafkaTopicPartition

from connectd.api.converter import Converter
from connectd.api.errors import DataError
from connectd.api.records import Header, SinkRecord, TopicPartition
from connectd.api.task import SinkTask
from connectd.runtime import connector_config as cc
from connectd.runtime.model import TaskId
from connectd.runtime.status import StatusListener
from connectd.runtime.task_runner import TaskRunner
from connectd.runtime.topic_creation import TopicCreator
from connectd.runtime.topic_tracking import TopicTracker

log = logging.getLogger(__name__)

_CONSUME_TIMEOUT_S = 0.1


class _SinkTaskContext:
    def __init__(self, config: Mapping[str, str]) -> None:
        self.config = config
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
        key_converter: Converter,
        value_converter: Converter,
        header_converter: Converter,
        batch_size: int,
        offset_flush_interval_ms: int,
        active_topics: TopicTracker | None = None,
        topic_creator: TopicCreator | None = None,
    ) -> None:
        super().__init__(task_id, task, worker_id, statuses, active_topics)
        self.task: SinkTask = task
        self._topic_creator = topic_creator
        self._task_config = dict(task_config)
        self._consumer_config = dict(consumer_config)
        self._key_converter = key_converter
        self._value_converter = value_converter
        self._header_converter = header_converter
        self._batch_size = batch_size
        self._commit_interval_s = offset_flush_interval_ms / 1000
        self._context = _SinkTaskContext(self._task_config)
        self._consumer: Consumer | None = None
        self._current: dict[TopicPartition, int] = {}
        self._committed: dict[TopicPartition, int] = {}
        self.records_put = 0
        self._closing = False
        self._consumer_paused = False
        self._callback_error: BaseException | None = None

    def _subscription(self) -> list[str]:
        topics = [t.strip() for t in self._task_config.get(cc.TOPICS, "").split(",") if t.strip()]
        if topics:
            return topics
        regex = self._task_config.get(cc.TOPICS_REGEX, "").strip()
        return ["^" + regex.removeprefix("^")]

    def execute(self) -> None:
        consumer = self._consumer = Consumer(self._consumer_config)
        try:
            self.task.initialize(self._context)
            self.task.start(self._task_config)
            self.running()
            subscription = self._subscription()
            if self._topic_creator is not None:
                # Named topics only: a regex subscription creates nothing, on Kafka either.
                for topic in subscription:
                    if not topic.startswith("^"):
                        self._topic_creator.ensure(topic)
            consumer.subscribe(subscription, on_assign=self._on_assign, on_revoke=self._on_revoke)
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
        records: list[SinkRecord] = []
        key_conv, value_conv = self._key_converter, self._value_converter
        for message in messages:
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise KafkaException(error)
                log.warning("task %s: consumer error: %s", self.task_id, error)
                continue
            topic = message.topic()
            self.active_topics.record(topic)
            try:
                key = key_conv.to_connect(topic, message.key()) if message.key() is not None else None
                value = value_conv.to_connect(topic, message.value())
            except Exception as exc:
                where = f"{topic}-{message.partition()} offset {message.offset()}"
                raise DataError(f"Failed to convert the record at {where}: {exc}") from exc
            headers = message.headers()
            _, timestamp = message.timestamp()
            records.append(
                SinkRecord(
                    topic,
                    message.partition(),
                    message.offset(),
                    value.value,
                    key=key.value if key is not None else None,
                    key_schema=key.schema if key is not None else None,
                    value_schema=value.schema,
                    timestamp=timestamp if timestamp > 0 else None,
                    headers=[Header(k, v) for k, v in headers] if headers else [],
                )
            )
        if not records:
            return
        self.task.put(records)
        for record in records:
            self._current[TopicPartition(record.topic, record.partition)] = record.offset + 1
        self.records_put += len(records)

    def _commit(self, partitions: set[TopicPartition], final: bool) -> None:
        current = {tp: offset for tp, offset in self._current.items() if tp in partitions}
        if not current or self._consumer is None:
            return
        allowed = self.task.pre_commit(current)
        changed = {tp: o for tp, o in allowed.items() if tp in current and self._committed.get(tp) != o}
        if not changed:
            return
        offsets = [KafkaTopicPartition(tp.topic, tp.partition, o) for tp, o in changed.items()]
        try:
            self._consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            if final:
                raise
            log.warning("task %s: offset commit failed, will retry: %s", self.task_id, exc)
            return
        self._committed.update(changed)

    def _on_assign(self, consumer: Consumer, partitions: list[KafkaTopicPartition]) -> None:
        try:
            assigned = [TopicPartition(p.topic, p.partition) for p in partitions]
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
            revoked = {TopicPartition(p.topic, p.partition) for p in partitions}
            self._commit(revoked, final=False)
            self.task.close(sorted(revoked))
            self._context.partitions -= revoked
            for tp in revoked:
                self._current.pop(tp, None)
                self._committed.pop(tp, None)
        except BaseException as exc:
            self._callback_error = exc
