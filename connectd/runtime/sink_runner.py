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
    ) -> None:
        super().__init__(task_id, task, worker_id, statuses)
        self.task: SinkTask = task
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
            consumer.subscribe(self._subscription(), on_assign=self._on_assign, on_revoke=self._on_revoke)
            next_commit = time.monotonic() + self._commit_interval_s
            while not self.stopping:
                messages = consumer.consume(self._batch_size, _CONSUME_TIMEOUT_S)
                if messages:
                    self._deliver(messages)
                if self._context.commit_requested or time.monotonic() >= next_commit:
                    self._context.commit_requested = False
                    self._commit(set(self._current), final=False)
                    next_commit = time.monotonic() + self._commit_interval_s
            # Graceful stop: commit what the task flushed, release the partitions, then stop the task.
            self._commit(set(self._current), final=True)
            self.task.close(sorted(self._context.partitions))
        finally:
            try:
                self.task.stop()
            finally:
                consumer.close()

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
        assigned = [TopicPartition(p.topic, p.partition) for p in partitions]
        self._context.partitions.update(assigned)
        log.info("task %s assigned %s", self.task_id, ", ".join(f"{t}-{p}" for t, p in assigned))
        self.task.open(assigned)

    def _on_revoke(self, consumer: Consumer, partitions: list[KafkaTopicPartition]) -> None:
        revoked = {TopicPartition(p.topic, p.partition) for p in partitions}
        self._commit(revoked, final=False)
        self.task.close(sorted(revoked))
        self._context.partitions -= revoked
        for tp in revoked:
            self._current.pop(tp, None)
            self._committed.pop(tp, None)
