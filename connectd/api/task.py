"""Tasks: the units that copy data. Each runs on its own thread inside a worker."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from typing import Any, Protocol

from connectd.api.exactly_once import TransactionContext
from connectd.api.records import (
    RecordMetadata,
    SinkRecord,
    SinkRecordBatch,
    SourceRecord,
    SourceRecordBatch,
    TopicPartition,
)


class OffsetReader(Protocol):
    """Read-only view of the committed source offsets of this connector."""

    def offset(self, partition: Mapping[str, Any]) -> dict[str, Any] | None:
        """The last committed offset for a source partition, or None if there is none."""

    def offsets(self, partitions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any] | None]:
        """Committed offsets of several partitions, in the same order."""


class SourceTaskContext(Protocol):
    offset_reader: OffsetReader
    config: Mapping[str, str]
    # Set when the connector defines transaction boundaries (``transaction.boundary=connector``).
    transaction_context: TransactionContext | None


class ErrantRecordReporter(Protocol):
    """KIP-610: how a sink task hands over a record it cannot write, instead of failing."""

    def report(self, record: SinkRecord, error: BaseException) -> Future[None]:
        """Report ``record`` (as given to ``put``) under the connector's error tolerance: logged,
        sent to the dead letter queue if one is configured, counted; with ``errors.tolerance=none``
        the task fails. The future completes once the DLQ write is acknowledged; the runtime waits
        for every outstanding one before it commits the record's offset."""


class SinkTaskContext(Protocol):
    config: Mapping[str, str]
    #: Set when the connector tolerates errors or has a DLQ (``None`` otherwise, as in Kafka).
    errant_record_reporter: ErrantRecordReporter | None

    def assignment(self) -> set[TopicPartition]:
        """The topic partitions currently assigned to this task."""

    def request_commit(self) -> None:
        """Ask for an offset commit (``pre_commit``/``flush``) as soon as possible."""


class Task(ABC):
    def version(self) -> str:
        return "undefined"

    @abstractmethod
    def start(self, config: Mapping[str, str]) -> None: ...

    @abstractmethod
    def stop(self) -> None:
        """Called from another thread to end the task; ``poll``/``put`` should return soon after."""


class SourceTask(Task):
    """Reads from a system and returns :class:`SourceRecord` batches from :meth:`poll`."""

    context: SourceTaskContext

    def initialize(self, context: SourceTaskContext) -> None:
        self.context = context

    @abstractmethod
    def poll(self) -> list[SourceRecord] | SourceRecordBatch | None:
        """The next batch, or None/[] when nothing is ready. May block briefly; never forever.
        Many plain records of one stream go faster as one :class:`SourceRecordBatch`."""

    def commit(self) -> None:
        """Offsets up to the last flush are committed (acknowledge them upstream if needed)."""

    def commit_record(self, record: SourceRecord, metadata: RecordMetadata | None) -> None:
        """``record`` was acknowledged by Kafka (``metadata`` is None if it was dropped)."""


class SinkTask(Task):
    """Receives batches of :class:`SinkRecord` in :meth:`put` and writes them out."""

    context: SinkTaskContext

    def initialize(self, context: SinkTaskContext) -> None:
        self.context = context

    @abstractmethod
    def put(self, records: list[SinkRecord]) -> None: ...

    def put_batch(self, batch: SinkRecordBatch) -> None:
        """The consumed records as columns; the default hands ``batch.records()`` to :meth:`put`.

        A task that only needs values and where they come from (a file, a table) overrides it and
        reads ``batch.values``: the runtime then builds no record object per message. It calls this
        instead of ``put`` only when the two are equivalent: no transformation, no errant record
        reporter, every message converted; otherwise ``put`` receives the records as before.
        """
        self.put(batch.records())

    def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Make everything passed to ``put`` so far durable. ``offsets`` are the next to consume."""

    def pre_commit(self, offsets: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
        """The offsets that may be committed; the default flushes and returns them all."""
        self.flush(offsets)
        return dict(offsets)

    def open(self, partitions: Iterable[TopicPartition]) -> None:
        """Partitions newly assigned to this task."""

    def close(self, partitions: Iterable[TopicPartition]) -> None:
        """Partitions taken away; offsets for them have just been committed."""
