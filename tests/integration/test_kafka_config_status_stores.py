"""Distributed mode's config and status stores against a real Kafka-protocol broker.

Every test uses its own topic (``unique_name``): the broker is shared by the whole session.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from connectd.runtime.model import State, StateInfo, TargetState, TaskId
from connectd.runtime.topic_tracking import TopicStatus
from connectd.storage.config_store import ConfigSnapshot, ConfigStoreError, KafkaConfigStore
from connectd.storage.status_store import KafkaStatusStore, StatusSnapshot

pytestmark = pytest.mark.integration

TIMEOUT = 30.0


@pytest.fixture
def stores() -> Iterator[list[KafkaConfigStore | KafkaStatusStore]]:
    """Stores a test opens; stopped at teardown whatever the outcome."""
    made: list[KafkaConfigStore | KafkaStatusStore] = []
    yield made
    for store in made:
        store.stop()


@pytest.fixture
def open_config(bootstrap_servers: str, stores: list[Any]) -> Any:
    def open_(topic: str, **kwargs: Any) -> tuple[KafkaConfigStore, ConfigSnapshot]:
        store = KafkaConfigStore(bootstrap_servers, topic, replication_factor=1, timeout=TIMEOUT, **kwargs)
        stores.append(store)
        return store, store.start()

    return open_


@pytest.fixture
def open_status(bootstrap_servers: str, stores: list[Any]) -> Any:
    def open_(topic: str, **kwargs: Any) -> tuple[KafkaStatusStore, StatusSnapshot]:
        store = KafkaStatusStore(bootstrap_servers, topic, replication_factor=1, timeout=TIMEOUT, **kwargs)
        stores.append(store)
        return store, store.start()

    return open_


def produce_raw(bootstrap_servers: str, topic: str, records: list[tuple[bytes, bytes | None]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap_servers})
    errors: list[str] = []
    try:
        for key, value in records:
            producer.produce(
                topic, key=key, value=value, on_delivery=lambda e, _m: e and errors.append(e.str())
            )
        remaining = producer.flush(TIMEOUT)
    finally:
        producer.close()
    assert remaining == 0 and not errors, (
        f"expected all raw records delivered, saw {remaining} left, {errors}"
    )


def read_topic(bootstrap_servers: str, topic: str, expected: int) -> list[tuple[bytes | None, bytes | None]]:
    """(key, value) of the first ``expected`` records of a one-partition topic."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap_servers, "group.id": "unused", "enable.auto.commit": False}
    )
    try:
        consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        seen: list[tuple[bytes | None, bytes | None]] = []
        deadline = time.monotonic() + TIMEOUT
        while len(seen) < expected and time.monotonic() < deadline:
            for msg in consumer.consume(100, 0.1):
                assert msg.error() is None, f"expected no consumer error, saw {msg.error()}"
                seen.append((msg.key(), msg.value()))
        assert len(seen) >= expected, f"expected {expected} records in {topic} within {TIMEOUT}s, saw {seen}"
        return seen
    finally:
        consumer.close()


def describe_topic(bootstrap_servers: str, topic: str) -> tuple[int, str | None]:
    """(partition count, cleanup.policy) of a topic."""
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    metadata = admin.list_topics(timeout=TIMEOUT).topics.get(topic)
    assert metadata is not None, f"expected topic {topic} to exist, saw none"
    resource = ConfigResource(ResourceType.TOPIC, topic)
    configs = admin.describe_configs([resource], request_timeout=TIMEOUT)[resource].result(timeout=TIMEOUT)
    entry = configs.get("cleanup.policy")
    return len(metadata.partitions), entry.value if entry is not None else None


# -- config store ------------------------------------------------------------------------------------


def test_config_topic_is_created_compacted_with_one_partition(
    bootstrap_servers: str, unique_name: str, open_config: Any
) -> None:
    _, snapshot = open_config(unique_name)
    assert snapshot == ConfigSnapshot({}, {}, {}), f"expected an empty snapshot, saw {snapshot}"
    partitions, policy = describe_topic(bootstrap_servers, unique_name)
    assert (partitions, policy) == (1, "compact"), (
        f"expected 1 partition and cleanup.policy=compact, saw {partitions} and {policy}"
    )


def test_config_round_trip_across_restart(bootstrap_servers: str, unique_name: str, open_config: Any) -> None:
    store, _ = open_config(unique_name)
    store.put_connector_config("src", {"connector.class": "FileStreamSource", "tasks.max": "2"})
    store.put_connector_config("sink", {"connector.class": "FileStreamSink"}, TargetState.PAUSED)
    store.put_connector_config("gone", {"connector.class": "X"}, TargetState.PAUSED)
    store.put_task_configs("src", [{"task": "0"}, {"task": "1"}])
    store.put_task_configs("src", [{"task": "0b"}, {"task": "1b"}])
    store.put_task_configs("sink", [])
    store.put_task_configs("gone", [{"task": "0"}])
    store.put_target_state("src", TargetState.STOPPED)
    store.put_connector_config("sink", {"connector.class": "FileStreamSink", "topics": "t"})
    store.remove_connector("gone")

    expected = ConfigSnapshot(
        connectors={
            "src": {"connector.class": "FileStreamSource", "tasks.max": "2"},
            "sink": {"connector.class": "FileStreamSink", "topics": "t"},
        },
        target_states={"src": TargetState.STOPPED, "sink": TargetState.PAUSED},
        task_configs={"src": [{"task": "0b"}, {"task": "1b"}], "sink": []},
    )
    assert store.snapshot() == expected, f"expected in memory {expected}, saw {store.snapshot()}"
    store.stop()

    _, restarted = open_config(unique_name)
    assert restarted == expected, f"expected after restart {expected}, saw {restarted}"

    # The exact bytes Java writes, readable by a Java worker: 18 records, the last two from the removal.
    raw = read_topic(bootstrap_servers, unique_name, expected=18)
    stopped = [value for key, value in raw if key == b"target-state-src"]
    assert stopped == [b'{"state":"PAUSED","state.v2":"STOPPED"}'], (
        f"expected Java's STOPPED record, saw {stopped}"
    )
    commits = [value for key, value in raw if key == b"commit-src"]
    assert commits == [b'{"tasks":2}'] * 2, f"expected two commits of 2 tasks, saw {commits}"
    assert raw[-2:] == [(b"connector-gone", None), (b"target-state-gone", None)], f"saw {raw[-2:]}"


def test_uncommitted_task_records_are_invisible(
    bootstrap_servers: str, unique_name: str, open_config: Any
) -> None:
    store, _ = open_config(unique_name)
    store.put_connector_config("a", {"k": "v"})
    store.put_connector_config("b", {"k": "v"})
    store.put_task_configs("a", [{"gen": "1"}])
    store.stop()
    # A writer that died before its commit: new task records, no commit-* record.
    produce_raw(
        bootstrap_servers,
        unique_name,
        [
            (b"task-a-0", b'{"properties":{"gen":"2"}}'),
            (b"task-a-1", b'{"properties":{"gen":"2"}}'),
            (b"task-b-0", b'{"properties":{"gen":"1"}}'),
        ],
    )

    _, snapshot = open_config(unique_name)
    expected = {"a": [{"gen": "1"}]}
    assert snapshot.task_configs == expected, f"expected only committed tasks {expected}, saw {snapshot}"

    # Once the commit arrives, the buffered task records become visible together.
    produce_raw(bootstrap_servers, unique_name, [(b"commit-a", b'{"tasks":2}')])
    _, snapshot = open_config(unique_name)
    expected = {"a": [{"gen": "2"}, {"gen": "2"}]}
    assert snapshot.task_configs == expected, f"expected the committed generation {expected}, saw {snapshot}"


def test_java_format_records_are_read(
    bootstrap_servers: str, unique_name: str, open_config: Any, caplog: pytest.LogCaptureFixture
) -> None:
    open_config(unique_name)[0].stop()  # creates the topic the way a worker would
    produce_raw(
        bootstrap_servers,
        unique_name,
        [
            (b"connector-java", b'{ "properties" : { "tasks.max" : "1", "connector.class" : "J" } }'),
            (b"target-state-java", b'{"state": "PAUSED"}'),
            (b"task-java-0", b'{ "properties" : { "x" : "y" } }'),
            (b"commit-java", b'{ "tasks" : 1 }'),
            (b"session-key", b'{"key":"c2VjcmV0","algorithm":"HmacSHA256","creation-timestamp":1}'),
            (b"connector-broken", b"{not json"),
            (b"surprise-key", b"{}"),
        ],
    )

    with caplog.at_level(logging.WARNING):
        _, snapshot = open_config(unique_name)
    expected = ConfigSnapshot(
        connectors={"java": {"tasks.max": "1", "connector.class": "J"}},
        target_states={"java": TargetState.PAUSED},
        task_configs={"java": [{"x": "y"}]},
    )
    assert snapshot == expected, f"expected {expected}, saw {snapshot}"
    skipped = [m for m in caplog.messages if m.startswith("skipping record")]
    assert len(skipped) == 2, f"expected 2 skip warnings, saw {skipped}"
    assert "connector-broken" in skipped[0] and "surprise-key" in skipped[1], f"keys not named: {skipped}"


def test_failed_config_write_changes_nothing_in_memory(unique_name: str, open_config: Any) -> None:
    store, _ = open_config(unique_name, client_config={"message.max.bytes": "2000"})
    store.put_connector_config("a", {"k": "v"})
    before = store.snapshot()
    with pytest.raises(ConfigStoreError) as info:
        store.put_connector_config("a", {"k": "x" * 5000}, TargetState.PAUSED)
    assert unique_name in str(info.value), f"expected the topic named in the error: {info.value}"
    assert store.snapshot() == before, f"expected memory unchanged {before}, saw {store.snapshot()}"


# -- status store ------------------------------------------------------------------------------------


def test_status_round_trip_and_tombstones(bootstrap_servers: str, unique_name: str, open_status: Any) -> None:
    running = StateInfo(State.RUNNING, "w1:8083")
    failed = StateInfo(State.FAILED, "w2:8083", trace="boom\n\tat X", version="3.1")
    store, snapshot = open_status(unique_name)
    assert snapshot == StatusSnapshot({}, {}), f"expected an empty snapshot, saw {snapshot}"
    store.put_connector_status("a", running, 1)
    store.put_task_status(TaskId("a", 0), running, 1)
    store.put_task_status(TaskId("a", 1), failed, 1)
    store.put_connector_status("b", running, 1)
    store.put_task_status(TaskId("b", 0), running, 1)
    store.put_task_status(TaskId("b", 0), failed, 2)
    store.remove_connector("a", 2)

    expected = StatusSnapshot({"b": running}, {"b": {0: failed}})
    assert store.snapshot() == expected, f"expected in memory {expected}, saw {store.snapshot()}"
    store.stop()

    _, restarted = open_status(unique_name)
    assert restarted == expected, f"expected after restart {expected}, saw {restarted}"
    partitions, policy = describe_topic(bootstrap_servers, unique_name)
    assert (partitions, policy) == (5, "compact"), (
        f"expected 5 partitions and cleanup.policy=compact, saw {partitions} and {policy}"
    )


def test_status_java_records_are_read(
    bootstrap_servers: str, unique_name: str, open_status: Any, caplog: pytest.LogCaptureFixture
) -> None:
    open_status(unique_name, partitions=1)[0].stop()
    produce_raw(
        bootstrap_servers,
        unique_name,
        [
            (b"status-connector-j", b'{"worker_id" : "h:8083", "state" : "RUNNING", "generation" : 4}'),
            (b"status-task-j-0", b'{"state":"PAUSED","trace":null,"worker_id":"h:8083","generation":4}'),
            (
                b"status-topic-t:connector-j",
                b'{"topic":{"name":"t","connector":"j","task":0,"discoverTimestamp":9}}',
            ),
            (b"status-task-j-1", b"[]"),
        ],
    )
    with caplog.at_level(logging.WARNING):
        _, snapshot = open_status(unique_name, partitions=1)
    expected = StatusSnapshot(
        {"j": StateInfo(State.RUNNING, "h:8083")},
        {"j": {0: StateInfo(State.PAUSED, "h:8083")}},
        {"j": {"t": TopicStatus("t", "j", 0, 9)}},
    )
    assert snapshot == expected, f"expected {expected}, saw {snapshot}"
    skipped = [m for m in caplog.messages if m.startswith("skipping record")]
    assert len(skipped) == 1 and "status-task-j-1" in skipped[0], f"expected 1 skip warning, saw {skipped}"


def test_active_topics_round_trip_in_kafka_format(
    bootstrap_servers: str, unique_name: str, open_status: Any
) -> None:
    orders, payments = TopicStatus("orders", "c", 0, 1_000), TopicStatus("payments", "c", 1, 2_000)
    store, _ = open_status(unique_name, partitions=1)
    store.put_topic_status(orders)
    store.put_topic_status(payments)
    store.remove_topic_statuses("c", ["orders"])
    expected = {"c": {"payments": payments}}
    assert store.snapshot().topics == expected, f"expected in memory {expected}, saw {store.snapshot()}"
    store.stop()

    _, restarted = open_status(unique_name, partitions=1)
    assert restarted.topics == expected, f"expected after restart {expected}, saw {restarted.topics}"
    raw = read_topic(bootstrap_servers, unique_name, expected=3)
    assert raw == [
        (
            b"status-topic-orders:connector-c",
            b'{"topic":{"name":"orders","connector":"c","task":0,"discoverTimestamp":1000}}',
        ),
        (
            b"status-topic-payments:connector-c",
            b'{"topic":{"name":"payments","connector":"c","task":1,"discoverTimestamp":2000}}',
        ),
        (b"status-topic-orders:connector-c", None),
    ], f"expected Kafka Connect's topic-status records, saw {raw}"
