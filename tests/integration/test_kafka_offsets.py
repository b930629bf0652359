"""Distributed mode's offset store against a real Kafka-protocol broker.

Every test uses its own topic (``unique_name``): the broker is shared by the whole session.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType

from connectd.storage.kafka_offsets import KafkaOffsetBackend, OffsetStoreError

pytestmark = pytest.mark.integration

TIMEOUT = 30.0


@pytest.fixture
def backends(bootstrap_servers: str) -> Iterator[list[KafkaOffsetBackend]]:
    """Backends a test starts; stopped at teardown whatever the outcome."""
    made: list[KafkaOffsetBackend] = []
    yield made
    for backend in made:
        backend.stop()


@pytest.fixture
def open_backend(bootstrap_servers: str, backends: list[KafkaOffsetBackend]) -> Any:
    def open_(topic: str, partitions: int = 3, **kwargs: Any) -> KafkaOffsetBackend:
        backend = KafkaOffsetBackend(
            bootstrap_servers, topic, partitions=partitions, replication_factor=1, timeout=TIMEOUT, **kwargs
        )
        backends.append(backend)
        backend.start()
        return backend

    return open_


def as_map(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {json.dumps(p, sort_keys=True): o for p, o in pairs}


def read_topic(
    bootstrap_servers: str, topic: str, expected: int
) -> list[tuple[int, bytes | None, bytes | None]]:
    """(partition, key, value) of the first ``expected`` records, read with a plain assign()ed consumer."""
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    partitions = admin.list_topics(timeout=TIMEOUT).topics[topic].partitions
    consumer = Consumer(
        {"bootstrap.servers": bootstrap_servers, "group.id": "unused", "enable.auto.commit": False}
    )
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        records: list[tuple[int, bytes | None, bytes | None]] = []
        deadline = time.monotonic() + TIMEOUT
        while len(records) < expected and time.monotonic() < deadline:
            for msg in consumer.consume(100, 0.1):
                assert msg.error() is None, f"expected no consumer error, saw {msg.error()}"
                records.append((msg.partition(), msg.key(), msg.value()))
        assert len(records) >= expected, (
            f"expected {expected} records in {topic} within {TIMEOUT}s, saw {records}"
        )
        return records
    finally:
        consumer.close()


def produce_raw(bootstrap_servers: str, topic: str, records: list[tuple[bytes | None, bytes | None]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap_servers})
    errors: list[str] = []
    for key, value in records:
        producer.produce(topic, key=key, value=value, on_delivery=lambda e, _m: e and errors.append(e.str()))
    remaining = producer.flush(TIMEOUT)
    assert remaining == 0 and not errors, (
        f"expected all raw records delivered, saw {remaining} left, {errors}"
    )


def murmur2_partition(key: bytes, partitions: int) -> int:
    """Java's DefaultPartitioner for keyed records: toPositive(murmur2(key)) % partitions."""
    m, r = 0x5BD1E995, 24
    mask = 0xFFFFFFFF
    h = (0x9747B28C ^ len(key)) & mask
    whole = len(key) // 4
    for i in range(whole):
        k = int.from_bytes(key[4 * i : 4 * i + 4], "little")
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h = (h * m) & mask
        h ^= k
    tail = key[4 * whole :]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h ^= tail[0]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return (h & 0x7FFFFFFF) % partitions


def test_topic_is_created_compacted_with_requested_partitions(
    bootstrap_servers: str, unique_name: str, open_backend: Any
) -> None:
    open_backend(unique_name, partitions=5, topic_config={"segment.ms": "600000"})
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    topic = admin.list_topics(timeout=TIMEOUT).topics.get(unique_name)
    assert topic is not None, f"expected topic {unique_name} to exist"
    assert len(topic.partitions) == 5, f"expected 5 partitions, saw {len(topic.partitions)}"
    resource = ConfigResource(ResourceType.TOPIC, unique_name)
    configs = admin.describe_configs([resource])[resource].result(timeout=TIMEOUT)
    policy = configs["cleanup.policy"].value
    assert policy == "compact", f"expected cleanup.policy=compact, saw {policy}"


def test_write_get_list_round_trip(unique_name: str, open_backend: Any) -> None:
    backend = open_backend(unique_name)
    backend.write(
        "conn", [({"filename": "a.txt"}, {"position": 42}), ({"filename": "b.txt"}, {"position": 1})]
    )
    backend.write("other", [({"filename": "a.txt"}, {"position": 999})])

    seen = backend.get("conn", [{"filename": "a.txt"}, {"filename": "b.txt"}, {"filename": "c.txt"}])
    assert seen == [{"position": 42}, {"position": 1}, None], f"get saw {seen}"
    listed = as_map(backend.list("conn"))
    expected = {'{"filename": "a.txt"}': {"position": 42}, '{"filename": "b.txt"}': {"position": 1}}
    assert listed == expected, f"expected list {expected}, saw {listed}"
    assert backend.list("other") == [({"filename": "a.txt"}, {"position": 999})], "connectors must not mix"


def test_restart_rebuilds_the_same_map(unique_name: str, open_backend: Any) -> None:
    # One partition, and a last batch larger than one consume() call: the replay must read the whole
    # last batch even where a broker (tansu) reports its end offset as the batch's first offset + 1.
    first = open_backend(unique_name, partitions=1)
    for generation in range(3):
        first.write("conn", [({"file": f"f{i}"}, {"generation": generation}) for i in range(30)])
    first.write("conn", [({"file": f"f{i}"}, {"generation": 99}) for i in range(1200)])
    before = as_map(first.list("conn"))
    first.stop()

    after = as_map(open_backend(unique_name, partitions=1).list("conn"))
    generations = {o["generation"] for o in after.values()}
    assert len(after) == 1200, f"expected 1200 partitions after restart, saw {len(after)}"
    assert generations == {99}, f"expected every partition at the last generation 99, saw {generations}"
    assert after == before, "expected the restarted map to equal the map before the restart"


def test_tombstones_erase_across_restart(unique_name: str, open_backend: Any) -> None:
    first = open_backend(unique_name)
    first.write("conn", [({"f": "a"}, {"pos": 1}), ({"f": "b"}, {"pos": 2})])
    first.write("conn", [({"f": "a"}, None)])
    assert first.get("conn", [{"f": "a"}]) == [None], "a tombstone must erase the entry in memory"
    first.stop()

    restarted = open_backend(unique_name)
    seen = restarted.list("conn")
    assert seen == [({"f": "b"}, {"pos": 2})], f"expected only b after restart, saw {seen}"


def test_records_use_kafka_connect_format(
    bootstrap_servers: str, unique_name: str, open_backend: Any
) -> None:
    backend = open_backend(unique_name, partitions=4)
    backend.write("conn", [({"filename": "a.txt"}, {"position": 42})])
    backend.write("conn", [({"filename": "a.txt"}, None)])

    records = read_topic(bootstrap_servers, unique_name, expected=2)
    key = b'["conn",{"filename":"a.txt"}]'
    expected = [(murmur2_partition(key, 4), key, b'{"position":42}'), (murmur2_partition(key, 4), key, None)]
    assert records == expected, f"expected Connect-format records {expected}, saw {records}"


def test_foreign_records_are_skipped(
    bootstrap_servers: str, unique_name: str, open_backend: Any, caplog: pytest.LogCaptureFixture
) -> None:
    open_backend(unique_name).write("conn", [({"f": "good"}, {"pos": 1})])
    produce_raw(
        bootstrap_servers,
        unique_name,
        [
            (b"not json", b'{"pos":2}'),
            (None, b'{"pos":3}'),
            (b'{"an":"object"}', b'{"pos":4}'),
            (b'["conn","not-a-dict"]', b'{"pos":5}'),
            (b'["conn",{"f":"bad-value"}]', b"[1,2,3]"),
            (b'["conn",{"f":"bad-bytes"}]', b"\xff\xfe"),
            (b"\xff\xfe", None),
            # A Java writer's spacing and field order: still ours, found under the canonical key.
            (b'["conn", {"z": 1, "f": "java"}]', b'{"pos": 6}'),
        ],
    )

    with caplog.at_level(logging.WARNING):
        restarted = open_backend(unique_name)
    listed = as_map(restarted.list("conn"))
    expected = {'{"f": "good"}': {"pos": 1}, '{"f": "java", "z": 1}': {"pos": 6}}
    assert listed == expected, f"expected only the valid records {expected}, saw {listed}"
    skipped = [r for r in caplog.records if "skipping record" in r.getMessage()]
    assert len(skipped) == 7, f"expected 7 skip warnings, saw {[r.getMessage() for r in skipped]}"


def test_get_sees_what_another_producer_committed(
    bootstrap_servers: str, unique_name: str, open_backend: Any
) -> None:
    # An exactly-once source task commits its offsets to the topic in its own transactions; when it
    # reads them back (the CDC task, to confirm its slot), the store must have read the topic to its end.
    backend = open_backend(unique_name, partitions=1)
    backend.write("conn", [({"f": "a"}, {"pos": 1})])
    producer = Producer({"bootstrap.servers": bootstrap_servers, "transactional.id": f"{unique_name}-tx"})
    producer.init_transactions(TIMEOUT)
    producer.begin_transaction()
    producer.produce(unique_name, key=b'["conn",{"f":"a"}]', value=b'{"pos":2}', partition=0)
    producer.commit_transaction(TIMEOUT)
    seen = backend.get("conn", [{"f": "a"}])
    assert seen == [{"pos": 2}], f"expected get to see the transaction's offset {{'pos': 2}}, saw {seen}"


def test_existing_uncompacted_topic_is_used_with_warning(
    bootstrap_servers: str, unique_name: str, open_backend: Any, caplog: pytest.LogCaptureFixture
) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    new_topic = NewTopic(
        unique_name, num_partitions=2, replication_factor=1, config={"cleanup.policy": "delete"}
    )
    admin.create_topics([new_topic])[unique_name].result(timeout=TIMEOUT)

    with caplog.at_level(logging.WARNING):
        backend = open_backend(unique_name, partitions=7)
    warnings = [r.getMessage() for r in caplog.records if "not compact" in r.getMessage()]
    assert warnings, f"expected a cleanup.policy warning, saw {[r.getMessage() for r in caplog.records]}"
    backend.write("conn", [({"f": "a"}, {"pos": 1})])
    assert backend.get("conn", [{"f": "a"}]) == [{"pos": 1}], "the existing topic must still be usable"
    partitions = len(admin.list_topics(timeout=TIMEOUT).topics[unique_name].partitions)
    assert partitions == 2, f"an existing topic must keep its 2 partitions, saw {partitions}"


def test_replication_factor_above_broker_count_is_a_clear_error(
    bootstrap_servers: str, unique_name: str
) -> None:
    brokers = len(AdminClient({"bootstrap.servers": bootstrap_servers}).list_topics(timeout=TIMEOUT).brokers)
    backend = KafkaOffsetBackend(bootstrap_servers, unique_name, partitions=1, replication_factor=brokers + 1)
    try:
        with pytest.raises(OffsetStoreError) as info:
            backend.start()
        message = str(info.value)
        # The traceback keeps the backend's admin client (and its broker connection) alive.
        del info
    finally:
        backend.stop()
    assert "offset.storage.replication.factor" in message, f"expected the setting named: {message}"
    topics = AdminClient({"bootstrap.servers": bootstrap_servers}).list_topics(timeout=TIMEOUT).topics
    assert unique_name not in topics, f"expected no topic {unique_name} created after the error"


def test_failed_write_changes_nothing_in_memory(unique_name: str, open_backend: Any) -> None:
    backend = open_backend(unique_name, client_config={"message.max.bytes": "2000"})
    backend.write("conn", [({"f": "a"}, {"pos": 1})])
    with pytest.raises(OffsetStoreError) as info:
        backend.write("conn", [({"f": "a"}, {"pos": 2}), ({"f": "big"}, {"blob": "x" * 5000})])
    assert unique_name in str(info.value), f"expected the topic named in the error: {info.value}"
    seen = backend.get("conn", [{"f": "a"}, {"f": "big"}])
    assert seen == [{"pos": 1}, None], f"expected memory unchanged by the failed batch, saw {seen}"


def test_write_before_start_is_an_error(bootstrap_servers: str, unique_name: str) -> None:
    backend = KafkaOffsetBackend(bootstrap_servers, unique_name, replication_factor=1)
    with pytest.raises(OffsetStoreError, match="not started"):
        backend.write("conn", [({"f": "a"}, {"pos": 1})])
