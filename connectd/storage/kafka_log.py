"""A compacted Kafka topic used as a durable key/value log: the backing of every Kafka-topic store.

Offsets, connector configs and statuses each live in one such topic (``offset.storage.topic``,
``config.storage.topic``, ``status.storage.topic``). :class:`KafkaTopicLog` creates the topic when
missing (compacted, with the configured partitions and replication factor), replays it from the
beginning to its end on start, and writes batches that return only once the broker acknowledged
every record. Keys are partitioned with Java's murmur2 so a Java Connect cluster agrees with us.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    IsolationLevel,
    KafkaError,
    KafkaException,
    Message,
    Producer,
)
from confluent_kafka import TopicPartition as KafkaTopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, OffsetSpec, ResourceType

from connectd.errors import PayloadTooLargeError

log = logging.getLogger(__name__)

R = TypeVar("R")


def replay_records(
    records: Iterable[tuple[bytes, bytes | None]],
    decode: Callable[[bytes, bytes | None], R | None],
    apply: Callable[[R], None],
    where: str,
    errors: tuple[type[Exception], ...] = (ValueError,),
) -> None:
    """Apply a topic's records in order. A record ``decode`` cannot read is skipped with a warning
    naming its key and ``where`` (foreign data must never stop the worker); one it decodes to None
    is not ours to use."""
    for key, value in records:
        try:
            record = decode(key, value)
        except errors as exc:
            log.warning("skipping record %r in %s: %s", key[:200], where, exc)
            continue
        if record is None:
            log.debug("ignoring record %r in %s: not used by connectd", key[:200], where)
            continue
        apply(record)


BROKER_DEFAULT = -1
_READ_BATCH = 500
_POLL_SECONDS = 0.1

Record = tuple[bytes, bytes | None]


class KafkaStoreError(RuntimeError):
    """A store topic cannot be created, read or written; the message says why and what to change."""


class KafkaWriteTimeoutError(KafkaStoreError):
    """No acknowledgement in time and no error either: the records may still reach the topic."""


class KafkaRecordTooLargeError(KafkaStoreError, PayloadTooLargeError):
    """A record over the producer's (or the broker's) ``message.max.bytes``: retrying cannot help."""

    def __init__(self, message: str) -> None:
        PayloadTooLargeError.__init__(self, message)


# librdkafka's default message.max.bytes, and what it adds to key and value when it checks a record.
_DEFAULT_MAX_MESSAGE_BYTES = 1_000_000
_RECORD_OVERHEAD_BYTES = 128


class KafkaTopicLog:
    """One compacted topic: ``start`` replays it, ``send`` appends a confirmed batch.

    ``label`` names the store in messages ("offsets", "config", "status"); ``setting_prefix`` is the
    worker setting family users change (``offset.storage`` gives ``offset.storage.replication.factor``).
    Not thread-safe: the owning store serializes calls.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        *,
        label: str,
        setting_prefix: str,
        partitions: int = 1,
        replication_factor: int = 3,
        client_config: Mapping[str, str] | None = None,
        topic_config: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        follow: bool = False,
    ) -> None:
        """``follow``: keep reading after the replay (:meth:`read_new`), for a topic other processes
        write too, and read only committed transactions (exactly-once source tasks write offsets)."""
        for setting, value in (("partitions", partitions), ("replication.factor", replication_factor)):
            if value != BROKER_DEFAULT and value < 1:
                raise ValueError(f"{setting_prefix}.{setting} must be positive or -1, got {value}")
        self.topic = topic
        self.label = label
        self._setting_prefix = setting_prefix
        self._partitions = partitions
        self._replication_factor = replication_factor
        self._bootstrap_servers = bootstrap_servers
        self._client_config = dict(client_config or {})
        self._topic_config = dict(topic_config or {})
        self._timeout = timeout
        self._follow = follow
        self._producer: Producer | None = None
        self._reader: _TopicReader | None = None

    @property
    def started(self) -> bool:
        return self._producer is not None

    def start(self) -> list[Record]:
        """Ensure the topic, then return every record in it (per-partition order) up to its end."""
        admin = AdminClient(self._merged_config(), logger=log)
        partition_ids = _TopicSetup(admin, self).ensure()
        # Created before the replay: the idempotent producer's id handshake overlaps the read.
        producer = self._new_producer()
        reader = _TopicReader(self._new_consumer(), admin, self, partition_ids)
        try:
            records = reader.read()
        except BaseException:
            reader.close()
            self._close_producer(producer, timeout=0)
            raise
        if self._follow:
            self._reader = reader
        else:
            reader.close()
        previous, self._producer = self._producer, producer
        if previous is not None:
            self._close_producer(previous)
        return records

    def read_new(self) -> list[Record]:
        """With ``follow``: the records written since the last read, up to the topic's current end."""
        if self._reader is None:
            raise KafkaStoreError(f"{self.label} store on topic {self.topic} does not follow its topic")
        return self._reader.read()

    def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            self._close_producer(producer)
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()

    def send(self, records: Sequence[Record], timeout: float | None = None) -> None:
        """Produce and confirm every record within ``timeout`` (default: the log's), or raise:
        KafkaWriteTimeoutError when some are still unconfirmed (they may land later), another
        KafkaStoreError when the broker refused them."""
        producer = self._started_producer()
        timeout = self._timeout if timeout is None else timeout
        failures: list[KafkaError] = []

        def on_delivery(err: KafkaError | None, _msg: Message) -> None:
            if err is not None:
                failures.append(err)

        self._check_sizes(records)
        deadline = time.monotonic() + timeout
        for key, value in records:
            self._produce_one(producer, key, value, on_delivery, deadline)
        unconfirmed = producer.flush(max(0.0, deadline - time.monotonic()))
        if any(err.code() == KafkaError.MSG_SIZE_TOO_LARGE for err in failures):
            raise KafkaRecordTooLargeError(
                f"a record is too large for the {self.label} topic {self.topic}: the broker refused it "
                "(its message.max.bytes, or the topic's max.message.bytes)"
            )
        if unconfirmed and not failures:
            raise KafkaWriteTimeoutError(
                f"writing {len(records)} records to {self.label} topic {self.topic}: {unconfirmed} "
                f"unconfirmed after {timeout:g}s"
            )
        if unconfirmed or failures:
            if any(err.fatal() for err in failures):
                # A fatal error (e.g. idempotence fencing) leaves the producer unusable: replace it.
                self._producer = self._new_producer()
                self._close_producer(producer, timeout=0)
            reasons = sorted({err.str() for err in failures}) or ["no delivery report in time"]
            raise KafkaStoreError(
                f"writing {len(records)} records to {self.label} topic {self.topic} failed: "
                f"{len(failures)} rejected, {unconfirmed} unconfirmed after {timeout:g}s "
                f"({'; '.join(reasons)})"
            )

    def send_nowait(self, records: Sequence[Record]) -> None:
        """Queue the records behind everything sent before, without waiting: the producer delivers
        them in order (one producer, idempotent) or logs why it could not."""
        producer = self._started_producer()

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            if err is not None:
                log.error("record %r for %s topic %s not written: %s", msg.key(), self.label, self.topic, err)

        for key, value in records:
            self._produce_one(producer, key, value, on_delivery, time.monotonic() + self._timeout)
        producer.poll(0)

    def _started_producer(self) -> Producer:
        if self._producer is None:
            raise KafkaStoreError(f"{self.label} store on topic {self.topic} is not started")
        return self._producer

    def _check_sizes(self, records: Sequence[Record]) -> None:
        """Refuse the whole batch before producing any record of it if one is too large for the
        producer: nothing is written partially."""
        limit = int(self._client_config.get("message.max.bytes", _DEFAULT_MAX_MESSAGE_BYTES))
        for key, value in records:
            size = len(key) + len(value or b"")
            if size + _RECORD_OVERHEAD_BYTES > limit:
                raise KafkaRecordTooLargeError(
                    f"a record of {size} bytes is too large for the {self.label} topic {self.topic}: "
                    f"records are limited to message.max.bytes ({limit} bytes, with overhead)"
                )

    def _produce_one(
        self, producer: Producer, key: bytes, value: bytes | None, on_delivery: Any, deadline: float
    ) -> None:
        while True:
            try:
                producer.produce(self.topic, key=key, value=value, on_delivery=on_delivery)
                return
            except BufferError:
                # The local queue is full: serve delivery reports to make room, within the deadline.
                if time.monotonic() >= deadline:
                    raise KafkaStoreError(
                        f"producer queue for topic {self.topic} stayed full for {self._timeout}s"
                    ) from None
                producer.poll(_POLL_SECONDS)
            except KafkaException as exc:
                if exc.args[0].code() == KafkaError.MSG_SIZE_TOO_LARGE:
                    raise KafkaRecordTooLargeError(
                        f"a record of {len(key) + len(value or b'')} bytes is too large for the {self.label} "
                        f"topic {self.topic}: {exc.args[0].str()}"
                    ) from exc
                raise KafkaStoreError(f"cannot produce to {self.label} topic {self.topic}: {exc}") from exc

    # -- clients -------------------------------------------------------------------------------------

    def _merged_config(self, **required: Any) -> dict[str, Any]:
        """``client_config`` (e.g. security settings) under the settings correctness depends on."""
        return {**self._client_config, "bootstrap.servers": self._bootstrap_servers, **required}

    def _new_producer(self) -> Producer:
        config = self._merged_config(
            **{
                "enable.idempotence": True,
                "acks": "all",
                # Java's default partitioner: the same key lands on the same partition as with Connect.
                "partitioner": "murmur2_random",
            }
        )
        return Producer(config, logger=log)

    def _new_consumer(self) -> Consumer:
        config = self._merged_config(
            **{
                # Required by the client, but never used: assign() joins no group, nothing is committed.
                "group.id": f"connectd-replay-{self.topic}",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                # A followed topic may hold transactions (exactly-once source tasks' offsets): only
                # committed ones count. Otherwise the target is the high watermark, which counts
                # uncommitted records too.
                "isolation.level": "read_committed" if self._follow else "read_uncommitted",
                # Brokers that answer a fetch only when its wait expires (tansu) would make every
                # round trip of a replay last the default 500 ms.
                "fetch.wait.max.ms": 100,
            }
        )
        return Consumer(config, logger=log)

    def _close_producer(self, producer: Producer, timeout: float | None = None) -> None:
        unconfirmed = producer.flush(self._timeout if timeout is None else timeout)
        if unconfirmed:
            log.warning("%d records for topic %s were not confirmed before close", unconfirmed, self.topic)
            producer.purge()
        producer.close()


class _TopicSetup:
    """Creates the topic when missing and checks an existing one is compacted."""

    def __init__(self, admin: AdminClient, owner: KafkaTopicLog) -> None:
        self._admin = admin
        self._log = owner
        self._topic = owner.topic
        self._timeout = owner._timeout

    def ensure(self) -> list[int]:
        """The topic's partition ids, once the topic exists."""
        metadata = self._metadata()
        existing = metadata.topics.get(self._topic)
        if existing is not None and existing.error is None:
            self._warn_unless_compacted()
        else:
            self._create(broker_count=len(metadata.brokers))
        return self._wait_for_partitions()

    def _metadata(self) -> Any:
        # All topics, never just ours: a metadata request naming a missing topic may auto-create it
        # with broker defaults (not compacted).
        try:
            return self._admin.list_topics(timeout=self._timeout)
        except KafkaException as exc:
            raise KafkaStoreError(
                f"cannot reach Kafka to set up {self._log.label} topic {self._topic}: {exc}"
            ) from exc

    def _create(self, broker_count: int) -> None:
        rf = self._log._replication_factor
        if rf != BROKER_DEFAULT and rf > broker_count:
            raise KafkaStoreError(self._replication_message(broker_count))
        config = {**self._log._topic_config, "cleanup.policy": "compact"}
        new_topic = NewTopic(
            self._topic, num_partitions=self._log._partitions, replication_factor=rf, config=config
        )
        future = self._admin.create_topics([new_topic], request_timeout=self._timeout)[self._topic]
        try:
            future.result()
        except KafkaException as exc:
            error: KafkaError = exc.args[0]
            if error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                # Another process won the race; its topic is as good as ours.
                self._warn_unless_compacted()
                return
            if error.code() == KafkaError.INVALID_REPLICATION_FACTOR:
                raise KafkaStoreError(f"{self._replication_message(broker_count)} ({error.str()})") from exc
            raise KafkaStoreError(
                f"cannot create {self._log.label} topic {self._topic}: {error.str()}"
            ) from exc
        log.info(
            "created %s topic %s (partitions=%s, replication.factor=%s, cleanup.policy=compact)",
            self._log.label,
            self._topic,
            self._log._partitions,
            rf,
        )

    def _replication_message(self, broker_count: int) -> str:
        setting = f"{self._log._setting_prefix}.replication.factor"
        return (
            f"cannot create {self._log.label} topic {self._topic}: {setting}="
            f"{self._log._replication_factor} but the cluster has {broker_count} broker(s); "
            f"set {setting} to at most {broker_count} (or -1 for the broker default)"
        )

    def _warn_unless_compacted(self) -> None:
        # Java Connect refuses a non-compacted store topic; we only warn, loudly.
        resource = ConfigResource(ResourceType.TOPIC, self._topic)
        try:
            configs = self._admin.describe_configs([resource], request_timeout=self._timeout)[
                resource
            ].result()
        except KafkaException as exc:
            log.warning("cannot check cleanup.policy of %s topic %s: %s", self._log.label, self._topic, exc)
            return
        entry = configs.get("cleanup.policy")
        policy = entry.value if entry is not None else None
        if {p.strip() for p in (policy or "").split(",")} != {"compact"}:
            log.warning(
                "%s topic %s has cleanup.policy=%s, not compact: old records may be deleted and state "
                "lost; set cleanup.policy=compact on the topic",
                self._log.label,
                self._topic,
                policy,
            )

    def _wait_for_partitions(self) -> list[int]:
        # A new topic's metadata can take a moment to reach the broker answering us.
        deadline = time.monotonic() + self._timeout
        while True:
            topic = self._metadata().topics.get(self._topic)
            if topic is not None and topic.error is None and topic.partitions:
                # Reading needs a leader for every partition; right after creation some may lack one.
                leaderless = [p.id for p in topic.partitions.values() if p.error is not None or p.leader < 0]
                if not leaderless:
                    return sorted(topic.partitions)
            else:
                leaderless = []
            if time.monotonic() >= deadline:
                seen = topic.error if topic is not None else "absent"
                if leaderless:
                    seen = f"no leader for partitions {leaderless}"
                raise KafkaStoreError(
                    f"{self._log.label} topic {self._topic} has no partitions in metadata after "
                    f"{self._timeout}s (saw: {seen})"
                )
            time.sleep(_POLL_SECONDS)


class _TopicReader:
    """Reads every partition from where it left off (the beginning, first) to its end offset, without
    a consumer group."""

    def __init__(
        self, consumer: Consumer, admin: AdminClient, owner: KafkaTopicLog, partition_ids: Sequence[int]
    ) -> None:
        self._consumer = consumer
        self._admin = admin
        self._log = owner
        self._topic = owner.topic
        self._partition_ids = partition_ids
        self._timeout = owner._timeout
        self._records: list[Record] = []
        self._positions: dict[int, int] = {}
        self._assigned = False

    def close(self) -> None:
        self._consumer.close()

    def read(self) -> list[Record]:
        ends = self._end_offsets()
        if not self._assigned:
            if not ends and not self._log._follow:
                return []
            self._consumer.assign(
                [KafkaTopicPartition(self._topic, p, OFFSET_BEGINNING) for p in self._partition_ids]
            )
            self._assigned = True
        positions = self._positions
        targets = {p: end for p, end in ends.items() if positions.get(p, 0) < end}
        deadline = time.monotonic() + self._timeout
        while any(positions.get(p, 0) < end for p, end in targets.items()):
            if time.monotonic() >= deadline:
                behind = {p: f"{positions.get(p, 0)}/{e}" for p, e in targets.items()}
                raise KafkaStoreError(
                    f"reading {self._log.label} topic {self._topic} did not reach its end within "
                    f"{self._timeout}s (partition: position/end {behind})"
                )
            self._consume(self._consumer.consume(_READ_BATCH, _POLL_SECONDS), positions)
            if self._log._follow:
                # A transaction's commit marker takes an offset no message shows: the consumer's
                # position, which steps over it, tells when the end is reached.
                parts = [KafkaTopicPartition(self._topic, p) for p in targets]
                for tp in self._consumer.position(parts):
                    positions[tp.partition] = max(positions.get(tp.partition, 0), tp.offset)
        # Some brokers (tansu) report the high watermark as the last batch's *first* offset + 1; the
        # rest of that batch arrived in the same fetch, so take what is already buffered.
        while batch := self._consumer.consume(_READ_BATCH, 0):
            self._consume(batch, positions)
        records, self._records = self._records, []
        return records

    def _end_offsets(self) -> dict[int, int]:
        """The end of every partition that holds records, in one request per bound: for a
        read_committed reader the last stable offset (an open transaction's records come after it)."""
        isolation = IsolationLevel.READ_COMMITTED if self._log._follow else IsolationLevel.READ_UNCOMMITTED
        bounds = []
        for spec in (OffsetSpec.earliest(), OffsetSpec.latest()):
            request = {KafkaTopicPartition(self._topic, p): spec for p in self._partition_ids}
            try:
                futures = self._admin.list_offsets(
                    request, isolation_level=isolation, request_timeout=self._timeout
                )
                bounds.append({tp.partition: f.result().offset for tp, f in futures.items()})
            except KafkaException as exc:
                raise KafkaStoreError(f"cannot read the end offsets of {self._topic}: {exc}") from exc
        low, high = bounds
        return {p: end for p, end in high.items() if end > low.get(p, 0)}

    def _consume(self, messages: Sequence[Message], positions: dict[int, int]) -> bool:
        """Take the records of ``messages``; True when any moved a position."""
        moved = False
        for msg in messages:
            err = msg.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    continue
                if err.fatal() or err.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED:
                    raise KafkaStoreError(f"cannot read {self._log.label} topic {self._topic}: {err.str()}")
                log.warning("error reading %s topic %s: %s", self._log.label, self._topic, err.str())
                continue
            positions[msg.partition()] = max(positions.get(msg.partition(), 0), msg.offset() + 1)
            moved = True
            key = msg.key()
            if key is None:
                log.warning(
                    "skipping record with no key at %s[%d]@%d", self._topic, msg.partition(), msg.offset()
                )
                continue
            self._records.append((key, msg.value()))
        return moved
