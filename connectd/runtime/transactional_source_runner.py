"""Runs a SourceTask with exactly-once delivery (KIP-618, ``exactly.once.source.support=enabled``).

The task's records and the source offsets they reach go to Kafka in one transaction of the task's
transactional producer (``transactional.id`` = ``<group.id>-<connector>-<task>``, as Kafka names
it); the offsets land in ``offset.storage.topic`` in Connect's format. A transaction ends after each
``poll()`` batch (``transaction.boundary=poll``), every ``transaction.boundary.interval.ms``
(``interval``), or where the task asks through its transaction context (``connector``).

A new copy of the task starts by initialising its producer, which fences the previous copy's: that
copy's next commit fails and it stops, and its open transaction is aborted (read_committed consumers
never see it; on brokers that do not hide aborted records, such as tansu, it stays visible). Then it
claims its epoch at the offset store and reads the offsets the last commit left.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from connectd.api.errors import ConnectError
from connectd.api.records import SourceRecord, as_records
from connectd.control import messages
from connectd.errors import FencedError
from connectd.runtime.source_runner import SourceTaskRunner, produce_outgoing
from connectd.storage.offsets import canonical_json, encode_key, encode_value

log = logging.getLogger(__name__)

_PAUSED_WAIT_S = 0.1
_FENCING_CODES = frozenset(
    {KafkaError._FENCED, KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH}
)


class TransactionBoundary(StrEnum):
    POLL = "poll"
    INTERVAL = "interval"
    CONNECTOR = "connector"


class TransactionRequests:
    """The :class:`connectd.api.TransactionContext` of a task that defines its own boundaries."""

    def __init__(self) -> None:
        self.commit_after: SourceRecord | None = None
        self.abort_after: SourceRecord | None = None
        self.commit_now = False
        self.abort_now = False

    def commit_transaction(self, record: SourceRecord | None = None) -> None:
        if record is None:
            self.commit_now = True
        else:
            self.commit_after = record

    def abort_transaction(self, record: SourceRecord | None = None) -> None:
        if record is None:
            self.abort_now = True
        else:
            self.abort_after = record


class TransactionalSourceTaskRunner(SourceTaskRunner):
    def __init__(
        self,
        *args: Any,
        transactional_id: str,
        offsets_topic: str,
        boundary: TransactionBoundary = TransactionBoundary.POLL,
        boundary_interval_ms: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._transactional_id = transactional_id
        self._offsets_topic = offsets_topic
        self._boundary = boundary
        self._interval_s = (boundary_interval_ms if boundary_interval_ms is not None else 0) / 1000 or (
            self._flush_interval_s
        )
        self._requests = TransactionRequests()
        self._fatal_error: KafkaError | None = None
        self._open = False
        self._transaction_ends = 0.0
        # The newest offset of each source partition sent in the open transaction.
        self._pending: dict[str, tuple[Mapping[str, Any], Mapping[str, Any] | None]] = {}

    def execute(self) -> None:
        producer = Producer(
            {
                **self._producer_config,
                "transactional.id": self._transactional_id,
                # Java's partitioner: the offset records land where the offset store writes them.
                "partitioner": "murmur2_random",
                # Errors come to the loop, not as exceptions raised from poll() (which would then
                # run the delivery callbacks of the purged records with the exception pending).
                "error_cb": self._on_error,
            }
        )
        try:
            try:
                producer.init_transactions(self._flush_timeout_s + 30)
            except KafkaException as exc:
                raise ConnectError(
                    f"cannot initialise transactions for {self._transactional_id}: {exc}"
                ) from exc
            # Claimed before the offsets are read: the store reads what the last copy committed.
            self._offsets.claim(self._claim)
            context = self._requests if self._boundary is TransactionBoundary.CONNECTOR else None
            self._start_task(context)
            while not self.stopping:
                if not self.idle_if_paused(_PAUSED_WAIT_S):
                    records = self.poll_task()
                    if records:
                        self._send_in_transaction(producer, as_records(records))
                self._end_transaction_if_due(producer)
                producer.poll(0)
                self._raise_producer_error()
                self._raise_delivery_error()
            if self._open:
                self._commit(producer)  # a graceful stop: what was sent commits
        except KafkaException as exc:
            # A fenced producer fails whatever it does next (begin, send, commit).
            self._raise_if_fenced(self._cause(producer, exc.args[0]))
            self._abort(producer)
            raise ConnectError(f"the producer of {self._transactional_id} failed: {exc}") from exc
        except BaseException:
            if not self.fenced:  # a fenced producer's transaction is its successor's to abort
                self._abort(producer)
            raise
        finally:
            if self.fenced:
                producer.purge()  # nothing of a fenced copy can be delivered any more
            else:
                try:
                    producer.flush(self._flush_timeout_s)
                except (KafkaException, SystemError) as exc:  # a failed producer: the cause is raised
                    log.warning("task %s: the producer could not flush: %s", self.task_id, exc)
            self._stop_task_once()
            self._pipeline.close()

    def _send_in_transaction(self, producer: Producer, records: list[SourceRecord]) -> None:
        requests = self._requests
        on_delivery = self._on_delivery
        dropped = 0
        for record, out in zip(records, self._pipeline.process_each(records), strict=True):
            if not self._open:
                producer.begin_transaction()
                self._open = True
                self._transaction_ends = time.monotonic() + self._interval_s
            if out is not None:
                if self._topic_creator is not None:
                    self._topic_creator.ensure(out[6], out[0])
                produce_outgoing(producer, out, on_delivery)
            else:
                dropped += 1
                if self._wants_commit_record:
                    self.task.commit_record(record, None)
            # A record of a SourceRecordBatch but its last has no offset of its own.
            if record.source_partition is not None and record.source_offset is not None:
                partition = record.source_partition
                self._pending[canonical_json(partition)] = (partition, record.source_offset)
            if record is requests.commit_after:
                requests.commit_after = None
                self._commit(producer)
            elif record is requests.abort_after:
                requests.abort_after = None
                self._abort(producer)
        if self.metrics is not None:
            self.metrics.record_handed(len(records) - dropped, time.monotonic())
        if self._boundary is TransactionBoundary.POLL and self._open:
            self._commit(producer)

    def _end_transaction_if_due(self, producer: Producer) -> None:
        requests = self._requests
        if requests.abort_now:
            requests.abort_now = False
            self._abort(producer)
        if requests.commit_now:
            requests.commit_now = False
            if self._open:
                self._commit(producer)
        if (
            self._open
            and self._boundary is TransactionBoundary.INTERVAL
            and time.monotonic() >= self._transaction_ends
        ):
            self._commit(producer)

    def _on_error(self, error: KafkaError) -> None:
        if error.fatal():
            self._fatal_error = error

    def _raise_producer_error(self) -> None:
        if self._fatal_error is not None:
            self._raise_if_fenced(self._fatal_error)
            raise ConnectError(f"the producer of {self._transactional_id} failed: {self._fatal_error}")

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            self._delivery_error = err
        elif msg.topic() != self._offsets_topic:
            self.active_topics.record(msg.topic())

    def _commit(self, producer: Producer) -> None:
        """The open transaction's records and the offsets they reached commit together."""
        connector = self.task_id.connector
        # Records this transaction reported are in the dead letter queue before its offsets commit.
        self._pipeline.errors.await_reports(self._flush_timeout_s)
        for partition, offset in self._pending.values():
            out = (
                self._offsets_topic,
                encode_value(offset),
                encode_key(connector, partition),
                -1,
                0,
                None,
                "",
            )
            produce_outgoing(producer, out, self._on_delivery)
        started = time.monotonic()
        deadline = started + self._flush_timeout_s + 30
        while True:
            try:
                producer.commit_transaction(max(1.0, deadline - time.monotonic()))
                if self.metrics is not None:
                    self.metrics.record_commit(True, started, time.monotonic())
                break
            except KafkaException as exc:
                error: KafkaError = self._cause(producer, exc.args[0])
                self._raise_if_fenced(error)
                if error.retriable() and time.monotonic() < deadline:
                    continue
                raise ConnectError(
                    f"committing the transaction of {self._transactional_id} failed: {error}"
                ) from exc
        self._open = False
        self._pending.clear()
        try:
            self.task.commit()
        except Exception:
            log.exception("task %s raised in commit()", self.task_id)

    def _abort(self, producer: Producer) -> None:
        """Drop the open transaction (what the task polled for it is not sent again)."""
        if not self._open:
            return
        self._open = False
        self._pending.clear()
        try:
            producer.abort_transaction(self._flush_timeout_s)
        except KafkaException as exc:
            # A fenced producer's transaction is aborted by its successor's initialisation.
            log.warning("task %s: aborting the transaction failed: %s", self.task_id, exc)

    def _cause(self, producer: Producer, error: KafkaError) -> KafkaError:
        """The fatal error behind a call refused because the producer is in a fatal state."""
        if error.code() == KafkaError._FATAL and self._fatal_error is None:
            try:
                producer.poll(0)  # the error callback learns which fatal error it was
            except KafkaException as exc:
                return exc.args[0]
        return self._fatal_error if error.code() == KafkaError._FATAL and self._fatal_error else error

    def _raise_if_fenced(self, error: KafkaError) -> None:
        if error.code() in _FENCING_CODES:
            self.fenced = True
            raise FencedError(messages.fenced_by_transaction(self.task_id, self._transactional_id)) from None
