"""Distributed mode's offset store (``offset.storage.topic``): a compacted Kafka topic.

Records use Kafka Connect's exact JSON format (see :mod:`connectd.storage.offsets`) and Java's key
partitioner (murmur2), so a Java Connect cluster and existing tooling can read and share the topic.
On start the whole topic is replayed into memory; writes go to Kafka first and reach memory only
once every record of the batch is acknowledged by all in-sync replicas.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Message, Producer
from confluent_kafka import TopicPartition as KafkaTopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType

from connectd.storage.offsets import (
    Offset,
    OffsetBackend,
    Partition,
    decode_key,
    decode_value,
    encode_key,
    encode_value,
)

log = logging.getLogger(__name__)

BROKER_DEFAULT = -1
_READ_BATCH = 500
_POLL_SECONDS = 0.1


class OffsetStoreError(RuntimeError):
    """The offsets topic cannot be created, read or written; the message says why and what to change."""


class KafkaOffsetBackend(OffsetBackend):
    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        partitions: int = 25,
        replication_factor: int = 3,
        client_config: Mapping[str, str] | None = None,
        topic_config: Mapping[str, str] | None = None,
        *,
        timeout: float = 30.0,
    ) -> None:
        if partitions != BROKER_DEFAULT and partitions < 1:
            raise ValueError(f"offset.storage.partitions must be positive or -1, got {partitions}")
        if replication_factor != BROKER_DEFAULT and replication_factor < 1:
            raise ValueError(
                f"offset.storage.replication.factor must be positive or -1, got {replication_factor}"
            )
        self.topic = topic
        self.partitions = partitions
        self.replication_factor = replication_factor
        self._bootstrap_servers = bootstrap_servers
        self._client_config = dict(client_config or {})
        self._topic_config = dict(topic_config or {})
        self._timeout = timeout
        # Writes are serialized so the topic's order and the in-memory map's order always agree.
        self._write_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._offsets: dict[bytes, dict[str, Any]] = {}
        self._producer: Producer | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        topic = _OffsetTopic(
            AdminClient(self._merged_config(), logger=log),
            self.topic,
            self.partitions,
            self.replication_factor,
            self._topic_config,
            self._timeout,
        )
        partition_ids = topic.ensure()
        # Created before the replay: the idempotent producer's id handshake overlaps the read.
        producer = self._new_producer()
        try:
            offsets = _TopicReplay(self._new_consumer(), self.topic, partition_ids, self._timeout).run()
        except BaseException:
            self._close_producer(producer, timeout=0)
            raise
        with self._write_lock:
            previous, self._producer = self._producer, producer
            with self._state_lock:
                self._offsets = offsets
        if previous is not None:
            self._close_producer(previous)
        log.info("loaded %d source offsets from topic %s", len(offsets), self.topic)

    def stop(self) -> None:
        with self._write_lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            self._close_producer(producer)

    # -- reads ---------------------------------------------------------------------------------------

    def get(self, connector: str, partitions: Iterable[Partition]) -> list[dict[str, Any] | None]:
        with self._state_lock:
            found = [self._offsets.get(encode_key(connector, p)) for p in partitions]
        return [dict(offset) if offset is not None else None for offset in found]

    def list(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        with self._state_lock:
            items = list(self._offsets.items())
        result = []
        for key, offset in items:
            name, partition = decode_key(key)
            if name == connector:
                result.append((partition, dict(offset)))
        return result

    # -- writes --------------------------------------------------------------------------------------

    def write(self, connector: str, offsets: Sequence[tuple[Partition, Offset | None]]) -> None:
        if not offsets:
            return
        records = [(encode_key(connector, p), encode_value(o)) for p, o in offsets]
        with self._write_lock:
            if self._producer is None:
                raise OffsetStoreError(f"offset store on topic {self.topic} is not started")
            self._produce_all(self._producer, records)
            with self._state_lock:
                for key, value in records:
                    # Decoded from the bytes sent, so memory holds exactly what a restart will read.
                    offset = decode_value(value)
                    if offset is None:
                        self._offsets.pop(key, None)
                    else:
                        self._offsets[key] = offset

    def _produce_all(self, producer: Producer, records: Sequence[tuple[bytes, bytes | None]]) -> None:
        """Produce and confirm every record, or raise: the caller's batch is all-or-nothing in memory."""
        failures: list[KafkaError] = []

        def on_delivery(err: KafkaError | None, _msg: Message) -> None:
            if err is not None:
                failures.append(err)

        deadline = time.monotonic() + self._timeout
        for key, value in records:
            self._produce_one(producer, key, value, on_delivery, deadline)
        unconfirmed = producer.flush(max(0.0, deadline - time.monotonic()))
        if unconfirmed or failures:
            if any(err.fatal() for err in failures):
                # A fatal error (e.g. idempotence fencing) leaves the producer unusable: replace it.
                self._producer = self._new_producer()
                self._close_producer(producer, timeout=0)
            reasons = sorted({err.str() for err in failures}) or ["no delivery report in time"]
            raise OffsetStoreError(
                f"committing {len(records)} source offsets to topic {self.topic} failed: "
                f"{len(failures)} rejected, {unconfirmed} unconfirmed after {self._timeout}s "
                f"({'; '.join(reasons)})"
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
                    raise OffsetStoreError(
                        f"producer queue for topic {self.topic} stayed full for {self._timeout}s"
                    ) from None
                producer.poll(_POLL_SECONDS)
            except KafkaException as exc:
                raise OffsetStoreError(f"cannot produce to offsets topic {self.topic}: {exc}") from exc

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
                "group.id": f"connectd-offsets-replay-{self.topic}",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                # The replay's target is the high watermark, which counts uncommitted records too.
                "isolation.level": "read_uncommitted",
            }
        )
        return Consumer(config, logger=log)

    def _close_producer(self, producer: Producer, timeout: float | None = None) -> None:
        unconfirmed = producer.flush(self._timeout if timeout is None else timeout)
        if unconfirmed:
            log.warning(
                "%d offset records for topic %s were not confirmed before close", unconfirmed, self.topic
            )
            producer.purge()
        producer.close()


class _OffsetTopic:
    """Creates the offsets topic when missing and checks an existing one is compacted."""

    def __init__(
        self,
        admin: AdminClient,
        topic: str,
        partitions: int,
        replication_factor: int,
        topic_config: Mapping[str, str],
        timeout: float,
    ) -> None:
        self._admin = admin
        self._topic = topic
        self._partitions = partitions
        self._replication_factor = replication_factor
        self._topic_config = topic_config
        self._timeout = timeout

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
            raise OffsetStoreError(
                f"cannot reach Kafka to set up offsets topic {self._topic}: {exc}"
            ) from exc

    def _create(self, broker_count: int) -> None:
        rf = self._replication_factor
        if rf != BROKER_DEFAULT and rf > broker_count:
            raise OffsetStoreError(self._replication_message(broker_count))
        config = {**self._topic_config, "cleanup.policy": "compact"}
        new_topic = NewTopic(
            self._topic, num_partitions=self._partitions, replication_factor=rf, config=config
        )
        future = self._admin.create_topics([new_topic], request_timeout=self._timeout)[self._topic]
        try:
            future.result()
        except KafkaException as exc:
            error: KafkaError = exc.args[0]
            if error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                # Another worker won the race; its topic is as good as ours.
                self._warn_unless_compacted()
                return
            if error.code() == KafkaError.INVALID_REPLICATION_FACTOR:
                raise OffsetStoreError(f"{self._replication_message(broker_count)} ({error.str()})") from exc
            raise OffsetStoreError(f"cannot create offsets topic {self._topic}: {error.str()}") from exc
        log.info(
            "created offsets topic %s (partitions=%s, replication.factor=%s, cleanup.policy=compact)",
            self._topic,
            self._partitions,
            rf,
        )

    def _replication_message(self, broker_count: int) -> str:
        return (
            f"cannot create offsets topic {self._topic}: offset.storage.replication.factor="
            f"{self._replication_factor} but the cluster has {broker_count} broker(s); "
            f"set offset.storage.replication.factor to at most {broker_count} (or -1 for the broker default)"
        )

    def _warn_unless_compacted(self) -> None:
        # Java Connect refuses a non-compacted offsets topic; we only warn, loudly.
        resource = ConfigResource(ResourceType.TOPIC, self._topic)
        try:
            configs = self._admin.describe_configs([resource], request_timeout=self._timeout)[
                resource
            ].result()
        except KafkaException as exc:
            log.warning("cannot check cleanup.policy of offsets topic %s: %s", self._topic, exc)
            return
        entry = configs.get("cleanup.policy")
        policy = entry.value if entry is not None else None
        if {p.strip() for p in (policy or "").split(",")} != {"compact"}:
            log.warning(
                "offsets topic %s has cleanup.policy=%s, not compact: old source offsets may be deleted "
                "and connectors would re-read data; set cleanup.policy=compact on the topic",
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
                raise OffsetStoreError(
                    f"offsets topic {self._topic} has no partitions in metadata after {self._timeout}s "
                    f"(saw: {seen})"
                )
            time.sleep(_POLL_SECONDS)


class _TopicReplay:
    """Reads every partition from its beginning to its end offset, without a consumer group."""

    def __init__(self, consumer: Consumer, topic: str, partition_ids: Sequence[int], timeout: float) -> None:
        self._consumer = consumer
        self._topic = topic
        self._partition_ids = partition_ids
        self._timeout = timeout
        self._offsets: dict[bytes, dict[str, Any]] = {}
        self._skipped = 0

    def run(self) -> dict[bytes, dict[str, Any]]:
        try:
            self._replay()
        finally:
            self._consumer.close()
        if self._skipped:
            log.warning(
                "skipped %d records in offsets topic %s that are not offsets", self._skipped, self._topic
            )
        return self._offsets

    def _replay(self) -> None:
        ends = self._end_offsets()
        if not ends:
            return
        self._consumer.assign([KafkaTopicPartition(self._topic, p, OFFSET_BEGINNING) for p in ends])
        positions = dict.fromkeys(ends, 0)
        deadline = time.monotonic() + self._timeout
        while any(positions[p] < end for p, end in ends.items()):
            if time.monotonic() >= deadline:
                behind = {p: f"{positions[p]}/{end}" for p, end in ends.items() if positions[p] < end}
                raise OffsetStoreError(
                    f"reading offsets topic {self._topic} did not reach its end within {self._timeout}s "
                    f"(partition: position/end {behind})"
                )
            self._consume(self._consumer.consume(_READ_BATCH, _POLL_SECONDS), positions)
        # Some brokers (tansu) report the high watermark as the last batch's *first* offset + 1; the
        # rest of that batch arrived in the same fetch, so take what is already buffered.
        while batch := self._consumer.consume(_READ_BATCH, 0):
            self._consume(batch, positions)

    def _end_offsets(self) -> dict[int, int]:
        ends: dict[int, int] = {}
        for p in self._partition_ids:
            try:
                low, high = self._consumer.get_watermark_offsets(
                    KafkaTopicPartition(self._topic, p), timeout=self._timeout, cached=False
                )
            except KafkaException as exc:
                raise OffsetStoreError(f"cannot read end offsets of {self._topic}[{p}]: {exc}") from exc
            if high > low:
                ends[p] = high
        return ends

    def _consume(self, messages: Sequence[Message], positions: dict[int, int]) -> None:
        for msg in messages:
            err = msg.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    continue
                if err.fatal() or err.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED:
                    raise OffsetStoreError(f"cannot read offsets topic {self._topic}: {err.str()}")
                log.warning("error reading offsets topic %s: %s", self._topic, err.str())
                continue
            positions[msg.partition()] = max(positions.get(msg.partition(), 0), msg.offset() + 1)
            self._apply(msg)

    def _apply(self, msg: Message) -> None:
        raw_key, raw_value = msg.key(), msg.value()
        try:
            if raw_key is None:
                raise ValueError("record has no key")
            connector, partition = decode_key(raw_key)
            offset = decode_value(raw_value)
        except (ValueError, TypeError) as exc:
            # Foreign data must never stop the worker: log where it is and move on.
            self._skipped += 1
            log.warning(
                "skipping record %s[%d]@%d in offsets topic: %s",
                self._topic,
                msg.partition(),
                msg.offset(),
                exc,
            )
            return
        # Re-encode: a Java writer may order JSON fields differently, lookups use our canonical form.
        key = encode_key(connector, partition)
        if offset is None:
            self._offsets.pop(key, None)
        else:
            self._offsets[key] = offset
